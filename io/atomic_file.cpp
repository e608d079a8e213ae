// Atomic writes (temporary + fsync + rename) and whole-file reads. See atomic_file.hpp.
#include "io/atomic_file.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

#include "core/error.hpp"

namespace mint {

namespace {

// This machine's name as a file name may hold it ('_' for any other character); "" if unknown.
const std::string& host_name() {
  static const std::string name = [] {
    char buf[256] = {};
    if (::gethostname(buf, sizeof buf - 1) != 0) return std::string();
    std::string h(buf);
    for (char& c : h) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_';
      if (!ok) c = '_';
    }
    return h;
  }();
  return name;
}

}  // namespace

std::string temporary_path(const std::string& path) {
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  if (!host_name().empty()) tmp += "@" + host_name();
  return tmp;
}

void remove_stale_temporaries(const std::string& dir) {
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    const std::size_t at = name.rfind(".tmp.");
    if (at == std::string::npos) continue;
    // Files, and the staging directories of data sets (io/dataset_io.cpp); never a link's target.
    if (!e.is_regular_file(ec) && !(e.is_directory(ec) && !e.is_symlink(ec))) continue;
    std::string digits = name.substr(at + 5);
    const std::size_t host_at = digits.find('@');
    if (host_at != std::string::npos) {
      if (digits.substr(host_at + 1) != host_name()) continue;  // another machine's
      digits.resize(host_at);
    }
    if (digits.empty() || digits.size() > 9 ||
        digits.find_first_not_of("0123456789") != std::string::npos) {
      continue;
    }
    const auto pid = static_cast<pid_t>(std::stol(digits));
    if (pid != ::getpid() && ::kill(pid, 0) != 0 && errno == ESRCH) {
      std::filesystem::remove_all(e.path(), ec);
    }
  }
}

AtomicFileWriter::AtomicFileWriter(std::string path)
    : path_(std::move(path)), tmp_(temporary_path(path_)) {
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
