#include "core/error.hpp"

#include <cstdio>

namespace mint {

void fail_at(const std::string& path, long line, const std::string& what) {
  throw Error(path + ":" + std::to_string(line) + ": " + what);
}

std::string quote_value(std::string_view value, std::size_t max_chars) {
  std::string out = "'";
  std::size_t shown = 0, i = 0;
  for (; i < value.size() && shown < max_chars; ++i, ++shown) {
    const auto c = static_cast<unsigned char>(value[i]);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
      // Keep a UTF-8 character whole: its continuation bytes do not count as characters.
      while (c >= 0xc0 && i + 1 < value.size() &&
             (static_cast<unsigned char>(value[i + 1]) & 0xc0) == 0x80) {
        out += value[++i];
      }
    }
  }
  if (i == value.size()) return out + "'";
  return out + "...' (" + std::to_string(value.size()) + " bytes)";
}

}  // namespace mint
