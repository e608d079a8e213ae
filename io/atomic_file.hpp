// Atomic output: write to "<path>.tmp.<pid>", fsync, then rename over <path>, so an
// interrupted run leaves either the old file or the new one, never half of one.
#pragma once

#include <string>
#include <string_view>

namespace mint {

void write_file_atomic(const std::string& path, std::string_view bytes);
std::string read_file(const std::string& path);  // whole file; error names the path
void make_directories(const std::string& path);  // mkdir -p; error names the path

}  // namespace mint
