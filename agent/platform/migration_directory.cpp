#include "agent/platform/migration_directory.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <memory>
#include <optional>
#include <system_error>

#include "agent/core/migration_files.hpp"
#include "agent/platform/sha256.hpp"

namespace magent::platform {
namespace {

std::string errno_text(int error) {
  return std::error_code(error, std::generic_category()).message();
}

// Closes a file descriptor on scope exit.
class Fd {
 public:
  explicit Fd(int fd) : m_fd(fd) {}
  ~Fd() {
    if (m_fd >= 0) ::close(m_fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return m_fd; }

 private:
  int m_fd;
};

// An open directory stream, closed on scope exit.
class Directory {
 public:
  explicit Directory(DIR* dir) : m_dir(dir) {}
  ~Directory() {
    if (m_dir != nullptr) ::closedir(m_dir);
  }
  Directory(const Directory&) = delete;
  Directory& operator=(const Directory&) = delete;
  DIR* get() const { return m_dir; }
  int fd() const { return ::dirfd(m_dir); }

 private:
  DIR* m_dir;
};

// What reading one directory entry gave: its bytes, nothing (not a file: skip), or a problem.
struct FileRead {
  std::optional<std::string> bytes;
  std::optional<core::Error> problem;
};

// Reads `name` in the directory open as `dir_fd`: one read of the size fstat gave (plus a
// byte, to notice growth) is the whole file unless the file changed meanwhile.
FileRead read_regular_file(int dir_fd, const std::string& name) {
  const auto problem = [&](const std::string& what) {
    return FileRead{std::nullopt, core::make_error(core::ErrorKind::io, name + ": " + what)};
  };
  // O_NONBLOCK: opening a FIFO that happens to carry a migration's name must not hang.
  const Fd fd(::openat(dir_fd, name.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (fd.get() < 0) return problem("cannot open: " + errno_text(errno));
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) return problem("cannot stat: " + errno_text(errno));
  if (S_ISDIR(info.st_mode)) return FileRead{};
  if (!S_ISREG(info.st_mode)) return problem("not a regular file");
  const auto size = static_cast<std::size_t>(info.st_size);
  if (size > k_max_migration_file_bytes) {
    return problem("larger than " + std::to_string(k_max_migration_file_bytes >> 20) +
                   " MiB; not read");
  }
  std::string bytes(size + 1, '\0');
  std::size_t length = 0;
  while (true) {
    if (length == bytes.size()) bytes.resize(length + 65536);
    const std::size_t wanted = bytes.size() - length;
    const ssize_t got = ::read(fd.get(), bytes.data() + length, wanted);
    if (got < 0) {
      if (errno == EINTR) continue;
      return problem("cannot read: " + errno_text(errno));
    }
    length += static_cast<std::size_t>(got);
    if (length > k_max_migration_file_bytes) return problem("grew while being read");
    // A short read that reached the size fstat reported is the end of the file.
    if (got == 0 || (static_cast<std::size_t>(got) < wanted && length == size)) break;
  }
  bytes.resize(length);
  return FileRead{std::move(bytes), std::nullopt};
}

// Opens `dir` and collects the sorted names in it that may be migration files, or a problem
// with the directory.
std::optional<core::Error> list_names(const std::string& dir, std::unique_ptr<Directory>& opened,
                                      std::vector<std::string>& names) {
  std::error_code ec;
  const auto fail = [&](const std::string& what) {
    return core::make_error(core::ErrorKind::io, "migrations directory " + dir + " " + what);
  };
  const std::filesystem::file_status status = std::filesystem::status(dir, ec);
  if (ec || !std::filesystem::exists(status)) {
    return fail(ec && ec != std::errc::no_such_file_or_directory ? "cannot be read: " + ec.message()
                                                                 : "does not exist");
  }
  if (!std::filesystem::is_directory(status)) return fail("is not a directory");
  opened = std::make_unique<Directory>(::opendir(dir.c_str()));
  if (opened->get() == nullptr) return fail("cannot be read: " + errno_text(errno));
  while (true) {
    errno = 0;
    const struct dirent* entry = ::readdir(opened->get());
    if (entry == nullptr) {
      if (errno != 0) return fail("cannot be read: " + errno_text(errno));
      break;
    }
    const std::string_view name(entry->d_name);
    if (core::migration_file_kind(name)) names.emplace_back(name);
  }
  std::sort(names.begin(), names.end());
  return std::nullopt;
}

}  // namespace

ScanResult scan_migration_directory(const std::string& dir) {
  ScanResult result;
  std::vector<std::string> names;
  std::unique_ptr<Directory> opened;
  if (std::optional<core::Error> problem = list_names(dir, opened, names)) {
    result.problems.push_back(std::move(*problem));
    return result;
  }
  result.directory_ok = true;
  result.revisions.reserve(names.size());
  for (const std::string& name : names) {
    FileRead read = read_regular_file(opened->fd(), name);
    if (read.problem) {
      result.problems.push_back(std::move(*read.problem));
      continue;
    }
    if (!read.bytes) continue;
    core::Result<core::Revision> parsed =
        core::parse_migration(*core::migration_file_kind(name), name, *read.bytes);
    if (!parsed) {
      result.problems.push_back(parsed.error());
      continue;
    }
    core::Result<std::string> checksum = sha256_hex(*read.bytes);
    if (!checksum) {
      result.problems.push_back(
          core::make_error(core::ErrorKind::io, name + ": " + checksum.error().message));
      continue;
    }
    parsed->checksum = std::move(*checksum);
    result.revisions.push_back(std::move(*parsed));
  }
  return result;
}

}  // namespace magent::platform

namespace magent::platform {

LoadedGraph load_revision_graph(const std::string& dir) {
  ScanResult scan = scan_migration_directory(dir);
  LoadedGraph out;
  out.directory_ok = scan.directory_ok;
  out.files = scan.revisions.size() + scan.problems.size();
  out.problems = std::move(scan.problems);
  if (!out.problems.empty() || !scan.directory_ok) return out;
  auto built = core::RevisionGraph::build(std::move(scan.revisions));
  out.problems = std::move(built.problems);
  out.graph = std::move(built.graph);
  return out;
}

}  // namespace magent::platform
