#include "core/error.hpp"

namespace mint {

void fail_at(const std::string& path, long line, const std::string& what) {
  throw Error(path + ":" + std::to_string(line) + ": " + what);
}

}  // namespace mint
