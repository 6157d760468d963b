#include "agent/daemon/watch_path.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <filesystem>
#include <system_error>

namespace magent::daemon {
namespace {

std::string errno_text(int error) {
  return std::error_code(error, std::generic_category()).message();
}

// Pushes the components of `path` onto a stack whose back is walked next, so the first
// component of `path` ends up on top. Empty components (from "//" or a trailing "/") vanish.
void push_components(std::vector<std::string>& stack, std::string_view path) {
  std::size_t end = path.size();
  while (end > 0) {
    const std::size_t slash = path.rfind('/', end - 1);
    const std::size_t begin = slash == std::string_view::npos ? 0 : slash + 1;
    if (end > begin) stack.emplace_back(path.substr(begin, end - begin));
    if (slash == std::string_view::npos) break;
    end = slash;
  }
}

std::string join(const std::string& directory, const std::string& name) {
  return directory == "/" ? "/" + name : directory + "/" + name;
}

std::string parent_of(const std::string& directory) {
  const std::size_t slash = directory.rfind('/');
  return slash == 0 || slash == std::string::npos ? std::string("/") : directory.substr(0, slash);
}

PathResolution missing(PathResolution resolution, std::string problem) {
  resolution.target.clear();
  resolution.device = 0;
  resolution.inode = 0;
  resolution.problem = std::move(problem);
  return resolution;
}

}  // namespace

PathResolution resolve_watch_path(std::string_view path) {
  PathResolution out;
  if (path.empty()) return missing(std::move(out), "the watched path is empty");

  std::vector<std::string> pending;
  push_components(pending, path);
  if (path.front() != '/') {
    std::error_code error;
    const std::filesystem::path cwd = std::filesystem::current_path(error);
    if (error) return missing(std::move(out), "working directory: " + error.message());
    push_components(pending, cwd.native());  // walked first: it is on top of the stack
  }

  std::string current = "/";
  int hops = 0;
  while (!pending.empty()) {
    std::string name = std::move(pending.back());
    pending.pop_back();
    if (name == ".") continue;
    if (name == "..") {
      current = parent_of(current);
      continue;
    }
    std::string candidate = join(current, name);
    out.entries.push_back(WalkedEntry{current, std::move(name)});
    struct stat info {};
    if (::lstat(candidate.c_str(), &info) != 0) {
      return missing(std::move(out), candidate + ": " + errno_text(errno));
    }
    if (S_ISLNK(info.st_mode)) {
      if (++hops > k_max_symlink_hops) {
        return missing(std::move(out), candidate + ": too many levels of symbolic links");
      }
      std::error_code error;
      const std::filesystem::path link = std::filesystem::read_symlink(candidate, error);
      if (error) return missing(std::move(out), candidate + ": " + error.message());
      const std::string& text = link.native();
      if (text.empty()) return missing(std::move(out), candidate + ": empty symbolic link");
      if (text.front() == '/') current = "/";
      push_components(pending, text);
      continue;
    }
    if (!S_ISDIR(info.st_mode)) return missing(std::move(out), candidate + ": not a directory");
    current = std::move(candidate);
  }

  struct stat info {};
  if (::lstat(current.c_str(), &info) != 0) {
    return missing(std::move(out), current + ": " + errno_text(errno));
  }
  if (!S_ISDIR(info.st_mode)) return missing(std::move(out), current + ": not a directory");
  out.target = std::move(current);
  out.device = static_cast<std::uint64_t>(info.st_dev);
  out.inode = static_cast<std::uint64_t>(info.st_ino);
  return out;
}

}  // namespace magent::daemon
