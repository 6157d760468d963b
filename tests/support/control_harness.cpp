#include "tests/support/control_harness.hpp"

#include <cerrno>
#include <cstring>
#include <future>
#include <stdexcept>

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace magent::test {
namespace {

using Clock = std::chrono::steady_clock;

void answer_ok(const control::Request& request, const control::Peer&,
               std::shared_ptr<control::ReplyStream> reply) {
  reply->finish({{"ok", true}, {"cmd", std::string(control::to_string(request.command))}});
}

}  // namespace

FakeCommandHandler::FakeCommandHandler() : m_behavior(answer_ok) {}

FakeCommandHandler::~FakeCommandHandler() {
  join_workers();
}

void FakeCommandHandler::handle(const control::Request& request, const control::Peer& peer,
                                std::shared_ptr<control::ReplyStream> reply) {
  Behavior behavior;
  {
    std::lock_guard lock(m_mutex);
    m_calls.push_back(Call{request, peer});
    behavior = m_behavior;
  }
  behavior(request, peer, std::move(reply));
}

void FakeCommandHandler::set_behavior(Behavior behavior) {
  std::lock_guard lock(m_mutex);
  m_behavior = std::move(behavior);
}

std::vector<FakeCommandHandler::Call> FakeCommandHandler::calls() const {
  std::lock_guard lock(m_mutex);
  return m_calls;
}

void FakeCommandHandler::spawn(std::function<void()> work) {
  std::lock_guard lock(m_mutex);
  m_workers.emplace_back(std::move(work));
}

void FakeCommandHandler::join_workers() {
  std::vector<std::thread> workers;
  {
    std::lock_guard lock(m_mutex);
    workers.swap(m_workers);
  }
  for (auto& worker : workers) worker.join();
}

ControlServerHarness::ControlServerHarness(config::ControlConfig config,
                                           control::ServerOptions options)
    : m_config(std::move(config)) {
  // The default path (/run/...) would be shared by every test: use the TempDir instead.
  if (m_config.socket.empty() || m_config.socket == config::ControlConfig{}.socket) {
    m_config.socket = (m_dir.path() / "control.sock").string();
  }
  auto user_observer = std::move(options.on_event);
  options.on_event = [this, user_observer](const control::ServerEvent& event) {
    {
      std::lock_guard lock(m_events_mutex);
      m_events.push_back(event);
    }
    m_events_changed.notify_all();
    if (user_observer) user_observer(event);
  };
  auto started = control::Server::start(m_io, m_config, m_handler, std::move(options));
  if (!started)
    throw std::runtime_error("control server did not start: " + started.error().message);
  m_server = std::move(started.value());
  m_thread = std::thread([this] {
    auto guard = asio::make_work_guard(m_io);
    m_io.run();
  });
}

ControlServerHarness::~ControlServerHarness() {
  stop();
  m_io.stop();
  m_thread.join();
  m_handler.join_workers();
  m_server.reset();
}

void ControlServerHarness::stop() {
  std::promise<void> done;
  asio::post(m_io, [&] {
    m_server->stop();
    done.set_value();
  });
  done.get_future().wait();
}

std::vector<control::ServerEvent> ControlServerHarness::events() const {
  std::lock_guard lock(m_events_mutex);
  return m_events;
}

bool ControlServerHarness::wait_for_event(control::ServerEvent::Kind kind,
                                          std::chrono::milliseconds timeout) const {
  std::unique_lock lock(m_events_mutex);
  return m_events_changed.wait_for(lock, timeout, [&] {
    for (const auto& event : m_events) {
      if (event.kind == kind) return true;
    }
    return false;
  });
}

RawClient::RawClient(const std::string& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof address.sun_path) throw std::runtime_error("socket path too long");
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  m_fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (m_fd < 0 ||
      ::connect(m_fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    const std::string why = std::strerror(errno);
    if (m_fd >= 0) ::close(m_fd);
    throw std::runtime_error("cannot connect to " + path + ": " + why);
  }
}

RawClient::~RawClient() {
  ::close(m_fd);
}

bool RawClient::write(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(m_fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

std::optional<std::string> RawClient::read_line(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    if (const auto newline = m_buffer.find('\n'); newline != std::string::npos) {
      std::string line = m_buffer.substr(0, newline);
      m_buffer.erase(0, newline + 1);
      return line;
    }
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return std::nullopt;
    pollfd fds{m_fd, POLLIN, 0};
    if (::poll(&fds, 1, static_cast<int>(left.count())) <= 0) continue;
    char chunk[65536];
    const ssize_t n = ::recv(m_fd, chunk, sizeof chunk, 0);
    if (n <= 0) return std::nullopt;
    m_buffer.append(chunk, static_cast<std::size_t>(n));
  }
}

nlohmann::json RawClient::read_json(std::chrono::milliseconds timeout) {
  std::optional<std::string> line = read_line(timeout);
  if (!line) return nlohmann::json(nlohmann::json::value_t::discarded);
  return nlohmann::json::parse(*line, nullptr, false);
}

nlohmann::json RawClient::request(std::string_view line, std::chrono::milliseconds timeout) {
  std::string bytes(line);
  bytes += '\n';
  if (!write(bytes)) return nlohmann::json(nlohmann::json::value_t::discarded);
  return read_json(timeout);
}

bool RawClient::wait_closed(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    pollfd fds{m_fd, POLLIN, 0};
    if (::poll(&fds, 1, static_cast<int>(left.count())) <= 0) continue;
    char chunk[65536];
    const ssize_t n = ::recv(m_fd, chunk, sizeof chunk, 0);
    if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) return true;
    if (n > 0) m_buffer.append(chunk, static_cast<std::size_t>(n));
  }
}

void RawClient::shutdown_write() {
  ::shutdown(m_fd, SHUT_WR);
}

}  // namespace magent::test
