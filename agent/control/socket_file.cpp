#include "agent/control/socket_file.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace magent::control {
namespace {

namespace fs = std::filesystem;

constexpr mode_t k_directory_mode = 0750;

std::string errno_text(int error) {
  return std::strerror(error);
}

// Creates each missing ancestor of `path`, top down, with exactly k_directory_mode.
core::Result<void> create_parent_directories(const fs::path& path) {
  std::vector<fs::path> missing;
  for (fs::path dir = path.parent_path(); !dir.empty() && dir != dir.root_path();
       dir = dir.parent_path()) {
    struct stat info {};
    if (::stat(dir.c_str(), &info) == 0) {  // follows symlinks: /var/run -> /run is fine
      if (!S_ISDIR(info.st_mode)) {
        return core::make_error(core::ErrorKind::config,
                                "control socket directory " + dir.string() + " is not a directory");
      }
      break;
    }
    missing.push_back(dir);
  }
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    if (::mkdir(it->c_str(), k_directory_mode) != 0 && errno != EEXIST) {
      return core::make_error(core::ErrorKind::io, "cannot create control socket directory " +
                                                       it->string() + ": " + errno_text(errno));
    }
    // mkdir's mode is filtered by the umask; the directory gets exactly 0750.
    if (::chmod(it->c_str(), k_directory_mode) != 0) {
      return core::make_error(core::ErrorKind::io,
                              "cannot set mode 0750 on " + it->string() + ": " + errno_text(errno));
    }
  }
  return {};
}

}  // namespace

SocketFileState probe_socket_file(const std::string& path) {
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0) return SocketFileState::absent;
  if (!S_ISSOCK(info.st_mode)) return SocketFileState::not_socket;

  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof address.sun_path) return SocketFileState::not_socket;
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return SocketFileState::live;  // cannot tell: never remove what may be in use
  const int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address);
  const int error = rc == 0 ? 0 : errno;
  ::close(fd);
  // Refused: no listener. A full backlog (EAGAIN) or success means someone is there.
  if (error == ECONNREFUSED || error == ENOENT) return SocketFileState::stale;
  return SocketFileState::live;
}

core::Result<void> prepare_socket_path(const std::string& path) {
  if (path.empty()) {
    return core::make_error(core::ErrorKind::config, "control.socket is empty (socket disabled)");
  }
  if (path.size() >= sizeof(sockaddr_un{}.sun_path)) {
    return core::make_error(core::ErrorKind::config,
                            "control.socket path is longer than " +
                                std::to_string(sizeof(sockaddr_un{}.sun_path) - 1) +
                                " bytes: " + path);
  }
  if (auto made = create_parent_directories(fs::path(path)); !made) return made;
  switch (probe_socket_file(path)) {
    case SocketFileState::absent:
      return {};
    case SocketFileState::live:
      return core::make_error(
          core::ErrorKind::config,
          "control socket " + path + " is in use by another process (is migration-agent running?)");
    case SocketFileState::not_socket:
      return core::make_error(
          core::ErrorKind::config,
          "control socket path " + path + " exists and is not a socket; refusing to remove it");
    case SocketFileState::stale:
      if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
        return core::make_error(core::ErrorKind::io, "cannot remove stale control socket " + path +
                                                         ": " + errno_text(errno));
      }
      return {};
  }
  return {};
}

}  // namespace magent::control
