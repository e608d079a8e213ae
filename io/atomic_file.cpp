// Atomic writes (temporary + fsync + rename) and whole-file reads. See atomic_file.hpp.
#include "io/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

#include "core/error.hpp"

namespace mint {

AtomicFileWriter::AtomicFileWriter(std::string path)
    : path_(std::move(path)), tmp_(path_ + ".tmp." + std::to_string(::getpid())) {
  fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) throw FileError(path_ + ": cannot write: " + std::strerror(errno));
}

AtomicFileWriter::~AtomicFileWriter() {
  if (fd_ >= 0) {
    ::close(fd_);
    ::unlink(tmp_.c_str());
  }
}

void AtomicFileWriter::fail(const std::string& what) {
  const std::string why = std::strerror(errno);
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  ::unlink(tmp_.c_str());
  throw FileError(path_ + ": " + what + ": " + why);
}

void AtomicFileWriter::write(std::string_view bytes) {
  if (fd_ < 0) throw Error(path_ + ": write after commit");
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("write failed");
    }
    done += static_cast<std::size_t>(n);
  }
}

void AtomicFileWriter::commit() {
  if (fd_ < 0) throw Error(path_ + ": committed twice");
  if (::fsync(fd_) != 0) fail("write failed");
  const int fd = std::exchange(fd_, -1);
  if (::close(fd) != 0) {
    const std::string why = std::strerror(errno);
    ::unlink(tmp_.c_str());
    throw FileError(path_ + ": write failed: " + why);
  }
  if (std::rename(tmp_.c_str(), path_.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    ::unlink(tmp_.c_str());
    throw FileError(path_ + ": cannot rename into place: " + why);
  }
}

void write_file_atomic(const std::string& path, std::string_view bytes) {
  AtomicFileWriter out(path);
  out.write(bytes);
  out.commit();
}

std::string read_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw FileError(path + ": cannot open: is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FileError(path + ": cannot open: " + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw FileError(path + ": read failed");
  return std::move(ss).str();
}

OutputDirectory::OutputDirectory(const std::string& path) {
  std::error_code ec;
  std::filesystem::path top;
  for (std::filesystem::path p = std::filesystem::absolute(path, ec).lexically_normal();
       !p.empty() && !std::filesystem::exists(p, ec); p = p.parent_path()) {
    top = p;
    if (p == p.parent_path()) break;
  }
  make_directories(path);
  made_ = top.string();
}

OutputDirectory::~OutputDirectory() {
  if (made_.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(made_, ec);
}

void make_directories(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) throw FileError(path + ": cannot create directory: " + ec.message());
}

}  // namespace mint
