// mint::Error — the one exception type a user sees. Its message is a single line that names
// the file, line or option at fault and what is wrong ("motifs.jaspar:7: row 'C' has 11
// counts, expected 12"). The CLI catches it once, prints "mint: error: <message>" and exits 1.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

namespace mint {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// An Error from the file system: a file that cannot be opened, read, written or renamed into
// place (the Python package raises it as OSError, every other Error as ValueError).
class FileError : public Error {
 public:
  using Error::Error;
};

// The GPU ran out of memory (cudaMalloc, cuBLAS or cuDNN said so, or MINT_DEVICE_MEMORY_LIMIT
// would be exceeded: core/device_memory.hpp). Chunked work catches it and retries the chunk in
// halves (docs/reliability.md, "Faults"); anywhere else it reaches the user as any Error.
class DeviceOutOfMemory : public Error {
 public:
  using Error::Error;
};

// "path:line: what" — the form every parser error takes.
[[noreturn]] void fail_at(const std::string& path, long line, const std::string& what);

// A value the user gave (an option's argument, an environment variable), quoted for an error
// line: 'value'. Control characters are escaped (\n, \t, \r, \\, others \xNN) so the message
// stays one line, and a value longer than `max_chars` characters is cut there:
// '1234...' (5000 bytes).
std::string quote_value(std::string_view value, std::size_t max_chars = 40);

}  // namespace mint
