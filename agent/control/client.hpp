#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "agent/core/result.hpp"

namespace magent::control {

// When a client gives up; nullopt = never.
using Deadline = std::optional<std::chrono::steady_clock::time_point>;

// Called for each progress line before the final reply: the parsed line and its raw text
// (without the newline).
using LineCallback = std::function<void(const nlohmann::json& line, std::string_view raw)>;

// A final reply and the raw line it came in.
struct FinalReply {
  nlohmann::json reply;
  std::string raw;
};

// A blocking client of the control socket, for migrationctl and tests: one request, then
// its progress lines and final reply. Failures are ErrorKind::io with one line naming the
// socket. Never raises SIGPIPE.
class Client {
 public:
  // Connects to the Unix socket at `path`, retrying while the server's backlog is full,
  // until `deadline`.
  static core::Result<Client> connect(const std::string& path, Deadline deadline);
  ~Client();
  Client(Client&& other) noexcept;
  Client& operator=(Client&& other) noexcept;
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Sends one request line (compact JSON and "\n").
  core::Result<void> send(const nlohmann::json& request, Deadline deadline);
  // Reads lines until one with "ok" (the final reply), passing progress lines to
  // `on_progress`. Fails when the connection closes first, the deadline passes, or the
  // daemon sends a line that is not a JSON object (parse_reply_line), or one over 64 MiB.
  core::Result<FinalReply> read_reply(const LineCallback& on_progress, Deadline deadline);

 private:
  Client(int fd, std::string path);
  core::Error failure(std::string_view what) const;

  int m_fd = -1;
  std::string m_path;
  std::string m_buffer;  // bytes received and not yet returned as lines
};

}  // namespace magent::control
