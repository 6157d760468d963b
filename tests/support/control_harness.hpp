#pragma once

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/control/server.hpp"
#include "tests/support/temp_dir.hpp"

namespace magent::test {

// A scripted control::CommandHandler: records every call and answers through `behavior`
// (default: {"ok": true, "cmd": <name>} at once).
class FakeCommandHandler final : public control::CommandHandler {
 public:
  using Behavior = std::function<void(const control::Request&, const control::Peer&,
                                      std::shared_ptr<control::ReplyStream>)>;
  struct Call {
    control::Request request;
    control::Peer peer;
  };

  FakeCommandHandler();
  ~FakeCommandHandler() override;  // joins spawned threads

  void handle(const control::Request& request, const control::Peer& peer,
              std::shared_ptr<control::ReplyStream> reply) override;

  // Replaces the behaviour (thread-safe).
  void set_behavior(Behavior behavior);
  // Every call so far (thread-safe copy).
  std::vector<Call> calls() const;
  // Runs `work` on a new thread, joined when the handler is destroyed: a daemon worker.
  void spawn(std::function<void()> work);
  // Joins every spawned thread now.
  void join_workers();

 private:
  mutable std::mutex m_mutex;
  Behavior m_behavior;
  std::vector<Call> m_calls;
  std::vector<std::thread> m_workers;
};

// A control server on its own io_context thread, with its socket in a fresh TempDir.
class ControlServerHarness {
 public:
  // `config.socket` empty or the default = <tempdir>/control.sock. Throws if start fails.
  explicit ControlServerHarness(config::ControlConfig config = {},
                                control::ServerOptions options = {});
  ~ControlServerHarness();
  ControlServerHarness(const ControlServerHarness&) = delete;
  ControlServerHarness& operator=(const ControlServerHarness&) = delete;

  const std::string& socket() const { return m_config.socket; }
  const TempDir& dir() const { return m_dir; }
  FakeCommandHandler& handler() { return m_handler; }
  // The server's connection count, read on its own thread.
  std::size_t connection_count() const { return m_server->connection_count(); }
  // Stops the server on its io thread and waits for that to happen.
  void stop();
  // Every ServerEvent so far; waits up to `timeout` for one of `kind`.
  std::vector<control::ServerEvent> events() const;
  bool wait_for_event(control::ServerEvent::Kind kind, std::chrono::milliseconds timeout) const;

 private:
  TempDir m_dir;
  config::ControlConfig m_config;
  FakeCommandHandler m_handler;
  asio::io_context m_io;
  std::unique_ptr<control::Server> m_server;
  std::thread m_thread;
  mutable std::mutex m_events_mutex;
  mutable std::condition_variable m_events_changed;
  std::vector<control::ServerEvent> m_events;
};

// A raw, blocking client socket for protocol-level tests.
class RawClient {
 public:
  // Connects to `path`; throws std::runtime_error on failure.
  explicit RawClient(const std::string& path);
  ~RawClient();
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  // Writes all of `bytes`; false when the server has gone.
  bool write(std::string_view bytes);
  // The next line (without "\n"); nullopt on timeout, EOF or error.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout);
  // The next line parsed as JSON; a discarded value when none came.
  nlohmann::json read_json(std::chrono::milliseconds timeout);
  // Writes `line` + "\n" and returns the next line as JSON.
  nlohmann::json request(std::string_view line,
                         std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // True when the server closes the connection within `timeout` (pending lines skipped).
  bool wait_closed(std::chrono::milliseconds timeout);
  // shutdown(SHUT_WR): the client has nothing more to send.
  void shutdown_write();
  int fd() const { return m_fd; }

 private:
  int m_fd = -1;
  std::string m_buffer;
};

}  // namespace magent::test
