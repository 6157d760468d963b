#include "agent/db/sqlite/lock_file.hpp"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace magent::db {
namespace {

std::string errno_text(int error) {
  return std::strerror(error);
}

// Closes a descriptor on scope exit.
class FdCloser {
 public:
  explicit FdCloser(int fd) : m_fd(fd) {}
  ~FdCloser() {
    if (m_fd >= 0) ::close(m_fd);
  }
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;

 private:
  int m_fd;
};

std::string read_all(int fd) {
  std::string text;
  char buffer[512];
  off_t offset = 0;
  for (;;) {
    const ssize_t n = ::pread(fd, buffer, sizeof buffer, offset);
    if (n <= 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
    offset += n;
    if (text.size() > 4096) break;  // a holder line is short; ignore anything longer
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == '\0')) text.pop_back();
  return text;
}

}  // namespace

LockFile::LockFile(std::filesystem::path path) : m_path(std::move(path)) {}

LockFile::~LockFile() {
  release();
}

core::Result<bool> LockFile::try_acquire(std::string_view holder) {
  if (m_fd >= 0) return true;
  const int fd = ::open(m_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    const int error = errno;
    return core::make_error(core::ErrorKind::io,
                            "cannot open lock file " + m_path.string() + ": " + errno_text(error));
  }
  int rc = 0;
  do {
    rc = ::flock(fd, LOCK_EX | LOCK_NB);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    const int error = errno;
    ::close(fd);
    if (error == EWOULDBLOCK) return false;
    return core::make_error(core::ErrorKind::io,
                            "cannot lock " + m_path.string() + ": " + errno_text(error));
  }
  m_fd = fd;
  m_holder = std::string(holder);
  // Best effort: the lock is what counts; the text only names the holder.
  const std::string line = m_holder + "\n";
  if (::ftruncate(fd, 0) == 0) {
    [[maybe_unused]] const ssize_t written = ::pwrite(fd, line.data(), line.size(), 0);
  }
  return true;
}

void LockFile::release() {
  if (m_fd < 0) return;
  [[maybe_unused]] const int truncated = ::ftruncate(m_fd, 0);
  ::flock(m_fd, LOCK_UN);
  ::close(m_fd);
  m_fd = -1;
  m_holder.clear();
}

core::Result<std::optional<std::string>> LockFile::holder() const {
  if (m_fd >= 0) return std::optional<std::string>(m_holder);
  const int fd = ::open(m_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int error = errno;
    if (error == ENOENT) return std::optional<std::string>();
    return core::make_error(core::ErrorKind::io,
                            "cannot read lock file " + m_path.string() + ": " + errno_text(error));
  }
  FdCloser closer(fd);
  // A shared lock succeeds only when nobody holds the exclusive one.
  if (::flock(fd, LOCK_SH | LOCK_NB) == 0) {
    ::flock(fd, LOCK_UN);
    return std::optional<std::string>();
  }
  std::string text = read_all(fd);
  if (text.empty()) text = "another process (lock file " + m_path.string() + ")";
  return std::optional<std::string>(std::move(text));
}

}  // namespace magent::db
