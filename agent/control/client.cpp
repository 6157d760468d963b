#include "agent/control/client.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>
#include <utility>

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "agent/control/protocol.hpp"

namespace magent::control {
namespace {

using Clock = std::chrono::steady_clock;

// Longest reply line accepted from the daemon: a bound against a confused or hostile peer.
constexpr std::size_t k_max_reply_line = 64 * 1024 * 1024;
// Pause between connects while the server's listen backlog is full.
constexpr std::chrono::milliseconds k_backlog_retry{10};
// How long connect retries a full backlog when the caller set no deadline.
constexpr std::chrono::seconds k_default_connect_budget{30};

// poll()'s timeout for `deadline`: -1 for none, else the milliseconds left (at least 0).
int poll_timeout(const Deadline& deadline) {
  if (!deadline) return -1;
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - Clock::now());
  return static_cast<int>(std::clamp<long long>(left.count(), 0, 60'000));
}

bool expired(const Deadline& deadline) {
  return deadline && Clock::now() >= *deadline;
}

}  // namespace

Client::Client(int fd, std::string path) : m_fd(fd), m_path(std::move(path)) {}

Client::~Client() {
  if (m_fd >= 0) ::close(m_fd);
}

Client::Client(Client&& other) noexcept
    : m_fd(std::exchange(other.m_fd, -1)),
      m_path(std::move(other.m_path)),
      m_buffer(std::move(other.m_buffer)) {}

Client& Client::operator=(Client&& other) noexcept {
  if (this != &other) {
    if (m_fd >= 0) ::close(m_fd);
    m_fd = std::exchange(other.m_fd, -1);
    m_path = std::move(other.m_path);
    m_buffer = std::move(other.m_buffer);
  }
  return *this;
}

core::Error Client::failure(std::string_view what) const {
  return core::make_error(core::ErrorKind::io,
                          "control socket " + m_path + ": " + std::string(what));
}

core::Result<Client> Client::connect(const std::string& path, Deadline deadline) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof address.sun_path) {
    return core::make_error(core::ErrorKind::usage,
                            "control socket path is empty or too long: " + path);
  }
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  const Deadline budget = deadline ? deadline : Deadline(Clock::now() + k_default_connect_budget);
  for (;;) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      return core::make_error(core::ErrorKind::io,
                              std::string("cannot create a socket: ") + std::strerror(errno));
    }
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0) {
      return Client(fd, path);
    }
    const int error = errno;
    ::close(fd);
    // A Unix socket whose listen backlog is full answers EAGAIN at once: retry a while.
    if (error != EAGAIN || expired(budget)) {
      std::string message =
          "cannot connect to control socket " + path + ": " + std::strerror(error);
      if (error == ENOENT || error == ECONNREFUSED) message += " (is migration-agent running?)";
      if (error == EACCES) message += " (not in the socket's group?)";
      return core::make_error(core::ErrorKind::io, message);
    }
    std::this_thread::sleep_for(k_backlog_retry);
  }
}

core::Result<void> Client::send(const nlohmann::json& request, Deadline deadline) {
  const std::string line = to_line(request);
  std::size_t sent = 0;
  while (sent < line.size()) {
    const ssize_t n = ::send(m_fd, line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (expired(deadline)) return failure("timed out sending the request");
      pollfd fds{m_fd, POLLOUT, 0};
      ::poll(&fds, 1, poll_timeout(deadline));
      continue;
    }
    return failure(std::string("cannot send the request: ") + std::strerror(errno));
  }
  return {};
}

core::Result<FinalReply> Client::read_reply(const LineCallback& on_progress, Deadline deadline) {
  char chunk[16 * 1024];
  for (;;) {
    // Hand out every complete line already received.
    std::size_t newline;
    while ((newline = m_buffer.find('\n')) != std::string::npos) {
      std::string raw = m_buffer.substr(0, newline);
      m_buffer.erase(0, newline + 1);
      if (!raw.empty() && raw.back() == '\r') raw.pop_back();
      if (raw.empty()) continue;
      std::optional<nlohmann::json> line = parse_reply_line(raw);
      if (!line) return failure("the daemon sent a line that is not a JSON object");
      if (is_final_reply(*line)) return FinalReply{std::move(*line), std::move(raw)};
      if (on_progress) on_progress(*line, raw);
    }
    if (m_buffer.size() > k_max_reply_line) return failure("the daemon sent an over-long line");
    if (expired(deadline)) return failure("timed out waiting for the reply");
    pollfd fds{m_fd, POLLIN, 0};
    const int ready = ::poll(&fds, 1, poll_timeout(deadline));
    if (ready < 0 && errno != EINTR) return failure(std::string("poll: ") + std::strerror(errno));
    if (ready <= 0) continue;
    const ssize_t n = ::recv(m_fd, chunk, sizeof chunk, 0);
    if (n > 0) {
      m_buffer.append(chunk, static_cast<std::size_t>(n));
    } else if (n == 0) {
      return failure("the daemon closed the connection before replying");
    } else if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) {
      return failure(std::string("connection lost: ") + std::strerror(errno));
    }
  }
}

}  // namespace magent::control
