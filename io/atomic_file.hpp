// Atomic output: write to "<path>.tmp.<pid>@<host>", fsync, then rename over <path>, so an
// interrupted run leaves either the old file or the new one, never half of one.
#pragma once

#include <string>
#include <string_view>

namespace mint {

void write_file_atomic(const std::string& path, std::string_view bytes);

// "<path>.tmp.<pid>@<host>": the temporary this process writes <path> through.
std::string temporary_path(const std::string& path);

// Removes the temporaries (directly in `dir`: files, and data sets' staging directories) of
// processes of this host that no longer run: what a killed writer leaves. Another host's, whose
// process this one cannot see, are kept (a shared file system); so is a name without "@<host>"
// whose process runs here.
void remove_stale_temporaries(const std::string& dir);

// The same in pieces, for outputs too large to hold whole: write() appends, commit() fsyncs and
// renames into place; destroyed uncommitted (an error, an exception), the temporary is removed.
class AtomicFileWriter {
 public:
  explicit AtomicFileWriter(std::string path);
  ~AtomicFileWriter();
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;
  void write(std::string_view bytes);
  void commit();

 private:
  [[noreturn]] void fail(const std::string& what);
  std::string path_, tmp_;
  int fd_ = -1;
};
// A command's output directory as a whole: made by the guard (with any missing parents), and
// removed again — the topmost directory it made, with everything written there — when the guard
// is destroyed uncommitted (a failed write), so that a refused command leaves no partial output.
// A directory that already existed is kept as it is.
class OutputDirectory {
 public:
  explicit OutputDirectory(const std::string& path);
  ~OutputDirectory();
  OutputDirectory(const OutputDirectory&) = delete;
  OutputDirectory& operator=(const OutputDirectory&) = delete;
  void commit() { made_.clear(); }

 private:
  std::string made_;  // the topmost directory this made; empty: none (or committed)
};

std::string read_file(const std::string& path);  // whole file; error names the path
void make_directories(const std::string& path);  // mkdir -p; error names the path

}  // namespace mint
