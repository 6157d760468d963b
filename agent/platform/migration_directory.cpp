#include "agent/platform/migration_directory.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
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

// What reading one directory entry gave: its bytes, nothing (not a file: skip), or a problem.
struct FileRead {
  std::optional<std::string> bytes;
  std::optional<core::Error> problem;
};

FileRead read_regular_file(const std::filesystem::path& path, const std::string& name) {
  const auto problem = [&](const std::string& what) {
    return FileRead{std::nullopt, core::make_error(core::ErrorKind::io, name + ": " + what)};
  };
  // O_NONBLOCK: opening a FIFO that happens to carry a migration's name must not hang.
  const Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
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
  std::string bytes;
  char buffer[65536];
  while (true) {
    const ssize_t got = ::read(fd.get(), buffer, sizeof buffer);
    if (got < 0) {
      if (errno == EINTR) continue;
      return problem("cannot read: " + errno_text(errno));
    }
    if (got == 0) break;
    bytes.append(buffer, static_cast<std::size_t>(got));
    if (bytes.size() > k_max_migration_file_bytes) return problem("grew while being read");
  }
  return FileRead{std::move(bytes), std::nullopt};
}

// The sorted names in `dir` that may be migration files, or a problem with the directory.
std::optional<core::Error> list_names(const std::string& dir, std::vector<std::string>& names) {
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
  std::filesystem::directory_iterator it(dir, ec);
  if (ec) return fail("cannot be read: " + ec.message());
  for (; it != std::filesystem::directory_iterator(); it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (core::migration_file_kind(name)) names.push_back(std::move(name));
  }
  if (ec) return fail("cannot be read: " + ec.message());
  std::sort(names.begin(), names.end());
  return std::nullopt;
}

}  // namespace

ScanResult scan_migration_directory(const std::string& dir) {
  ScanResult result;
  std::vector<std::string> names;
  if (std::optional<core::Error> problem = list_names(dir, names)) {
    result.problems.push_back(std::move(*problem));
    return result;
  }
  result.directory_ok = true;
  for (const std::string& name : names) {
    FileRead read = read_regular_file(std::filesystem::path(dir) / name, name);
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
