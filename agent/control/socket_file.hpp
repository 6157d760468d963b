#pragma once

#include <string>

#include "agent/core/result.hpp"

// The control socket's place in the filesystem, before bind and after close.
namespace magent::control {

// What is at a socket path before the server binds it.
enum class SocketFileState {
  absent,      // nothing there
  stale,       // a socket nobody answers on (a daemon that died)
  live,        // a socket a process is listening on
  not_socket,  // a file, directory or symlink: never removed
};

// Looks at `path` without following symlinks; a socket is probed with a non-blocking
// connect (refused = stale; accepted or backlog full = live).
SocketFileState probe_socket_file(const std::string& path);

// Readies `path` for bind: checks it fits in sockaddr_un, creates missing parent
// directories with mode 0750 (existing ones are left as they are), and removes a stale
// socket. Fails (ErrorKind::config or io) on a live socket, a non-socket, or a path too long.
core::Result<void> prepare_socket_path(const std::string& path);

}  // namespace magent::control
