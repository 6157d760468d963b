#include "agent/platform/migration_directory.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <exception>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>
#include <unordered_map>

#include "agent/core/migration_files.hpp"
#include "agent/platform/sha256.hpp"

namespace magent::platform {
namespace {

// Scan threads at most, and files per extra thread: a small directory is read by the caller.
constexpr unsigned k_max_scan_threads = 4;
constexpr std::size_t k_files_per_thread = 256;
// Files a thread takes at a time.
constexpr std::size_t k_files_per_claim = 32;

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

FileIdentity identity_of(const struct stat& info) {
  return FileIdentity{info.st_dev, info.st_ino, info.st_size,
                      info.st_mtim.tv_sec * 1'000'000'000LL + info.st_mtim.tv_nsec,
                      info.st_ctim.tv_sec * 1'000'000'000LL + info.st_ctim.tv_nsec};
}

// Reads `name` in the directory open as `dir_fd`: one read of the size fstat gave (plus a
// byte, to notice growth) is the whole file unless the file changed meanwhile. `identity`
// is what fstat said of the file that was read.
FileRead read_regular_file(int dir_fd, const std::string& name, FileIdentity& identity) {
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
  identity = identity_of(info);
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

// What one directory entry gave: a revision, a problem, or neither (not a file: skipped).
struct FileOutcome {
  std::optional<core::Revision> revision;
  std::optional<core::Error> problem;
  FileIdentity identity;     // of the file the revision was read from
  bool remembered = false;  // taken from a ScanCache, not read
};

FileOutcome scan_file(int dir_fd, const std::string& name) {
  FileIdentity identity;
  FileRead read = read_regular_file(dir_fd, name, identity);
  if (read.problem) return FileOutcome{std::nullopt, std::move(read.problem)};
  if (!read.bytes) return FileOutcome{};
  core::Result<core::Revision> parsed =
      core::parse_migration(*core::migration_file_kind(name), name, *read.bytes);
  if (!parsed) return FileOutcome{std::nullopt, parsed.error()};
  core::Result<std::string> checksum = sha256_hex(*read.bytes);
  if (!checksum) {
    return FileOutcome{std::nullopt, core::make_error(core::ErrorKind::io,
                                                      name + ": " + checksum.error().message)};
  }
  parsed->checksum = std::move(*checksum);
  return FileOutcome{std::move(*parsed), std::nullopt, identity};
}

// The identity of `name` in the directory open as `dir_fd` (following symlinks), if it is a
// regular file that can be stat'ed.
std::optional<FileIdentity> stat_identity(int dir_fd, const std::string& name) {
  struct stat info {};
  if (::fstatat(dir_fd, name.c_str(), &info, 0) != 0 || !S_ISREG(info.st_mode)) {
    return std::nullopt;
  }
  return identity_of(info);
}

std::int64_t wall_clock_ns() {
  struct timespec now {};
  ::clock_gettime(CLOCK_REALTIME, &now);
  return now.tv_sec * 1'000'000'000LL + now.tv_nsec;
}

// Calls work(i) for every i below `count`, on up to k_max_scan_threads threads (the machine's
// cores, one thread per k_files_per_thread files): opening, reading and parsing thousands of
// small files is system-call and parse time that cores share well. work(i) for different i
// must be independent. An exception from any call is rethrown here after every thread ended.
void run_in_parallel(std::size_t count, const std::function<void(std::size_t)>& work) {
  const std::size_t threads = std::min<std::size_t>(
      {std::max(1U, std::thread::hardware_concurrency()), k_max_scan_threads,
       count / k_files_per_thread});
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr first_failure;
  std::mutex failure_mutex;
  const auto drain = [&]() noexcept {
    try {
      while (!failed.load(std::memory_order_relaxed)) {
        const std::size_t begin = next.fetch_add(k_files_per_claim);
        if (begin >= count) return;
        for (std::size_t i = begin; i < std::min(count, begin + k_files_per_claim); ++i) work(i);
      }
    } catch (...) {
      const std::lock_guard<std::mutex> lock(failure_mutex);
      if (!first_failure) first_failure = std::current_exception();
      failed = true;
    }
  };
  std::vector<std::thread> pool;
  for (std::size_t t = 1; t < threads; ++t) {
    try {
      pool.emplace_back(drain);
    } catch (const std::system_error&) {
      break;  // no more threads to be had: the ones running (and this one) do the rest
    }
  }
  drain();
  for (std::thread& thread : pool) thread.join();
  if (first_failure) std::rethrow_exception(first_failure);
}

}  // namespace

ScanResult scan_migration_directory(const std::string& dir, ScanCache* cache) {
  ScanResult result;
  std::vector<std::string> names;
  std::unique_ptr<Directory> opened;
  if (std::optional<core::Error> problem = list_names(dir, opened, names)) {
    result.problems.push_back(std::move(*problem));
    return result;
  }
  result.directory_ok = true;
  if (cache != nullptr && cache->m_dir != dir) {
    cache->m_files.clear();
    cache->m_graph_files.clear();
    cache->m_graph_identities.clear();
    cache->m_graph.reset();
  }
  const std::int64_t started_ns = wall_clock_ns();
  std::vector<FileOutcome> outcomes(names.size());
  const int dir_fd = opened->fd();
  run_in_parallel(names.size(), [&](std::size_t i) {
    if (cache != nullptr) {
      const auto known = cache->m_files.find(names[i]);
      if (known != cache->m_files.end()) {
        const std::optional<FileIdentity> now = stat_identity(dir_fd, names[i]);
        if (now && *now == known->second.identity) {
          outcomes[i] = FileOutcome{known->second.revision, std::nullopt, *now, true};
          return;
        }
      }
    }
    outcomes[i] = scan_file(dir_fd, names[i]);
  });
  std::unordered_map<std::string, ScanCache::Entry> remembered;
  result.revisions.reserve(names.size());
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    FileOutcome& outcome = outcomes[i];
    if (outcome.problem) result.problems.push_back(std::move(*outcome.problem));
    if (!outcome.revision) continue;
    result.files_read += outcome.remembered ? 0 : 1;
    const FileIdentity& id = outcome.identity;
    if (cache != nullptr &&
        std::max(id.mtime_ns, id.ctime_ns) + cache->m_settle_ns <= started_ns) {
      remembered.emplace(names[i], ScanCache::Entry{id, *outcome.revision});
    }
    result.revisions.push_back(std::move(*outcome.revision));
  }
  if (cache != nullptr) {
    cache->m_dir = dir;
    cache->m_files = std::move(remembered);
    // A file read (new, changed or not yet settled) means the graph may be another one.
    if (result.files_read > 0) {
      cache->m_graph.reset();
      cache->m_graph_files.clear();
      cache->m_graph_identities.clear();
    }
  }
  return result;
}

}  // namespace magent::platform

namespace magent::platform {

bool ScanCache::graph_still_current(const std::string& dir) const {
  if (!m_graph || dir != m_dir || m_graph_identities.size() != m_graph_files.size()) {
    return false;
  }
  std::vector<std::string> names;
  std::unique_ptr<Directory> opened;
  if (list_names(dir, opened, names) || names != m_graph_files) return false;
  std::atomic<bool> changed{false};
  const int dir_fd = opened->fd();
  run_in_parallel(names.size(), [&](std::size_t i) {
    if (changed.load(std::memory_order_relaxed)) return;
    const std::optional<FileIdentity> now = stat_identity(dir_fd, names[i]);
    if (!now || *now != m_graph_identities[i]) changed = true;
  });
  return !changed;
}

LoadedGraph load_revision_graph(const std::string& dir, ScanCache* cache) {
  LoadedGraph out;
  if (cache != nullptr && cache->graph_still_current(dir)) {
    out.directory_ok = true;
    out.files = cache->m_graph_files.size();
    out.graph = cache->m_graph;
    return out;
  }
  ScanResult scan = scan_migration_directory(dir, cache);
  out.directory_ok = scan.directory_ok;
  out.files = scan.revisions.size() + scan.problems.size();
  out.problems = std::move(scan.problems);
  if (!out.problems.empty() || !scan.directory_ok) return out;
  std::vector<std::string> files;
  if (cache != nullptr) {
    files.reserve(scan.revisions.size());
    for (const core::Revision& r : scan.revisions) files.push_back(r.path);
  }
  auto built = core::RevisionGraph::build(std::move(scan.revisions));
  out.problems = std::move(built.problems);
  if (built.graph) out.graph = std::make_shared<const core::RevisionGraph>(std::move(*built.graph));
  if (cache != nullptr) {
    cache->m_graph = out.graph;
    cache->m_graph_identities.clear();
    for (const std::string& name : files) {
      const auto known = cache->m_files.find(name);
      if (known == cache->m_files.end()) {
        cache->m_graph_identities.clear();
        break;
      }
      cache->m_graph_identities.push_back(known->second.identity);
    }
    cache->m_graph_files = std::move(files);
  }
  return out;
}

}  // namespace magent::platform
