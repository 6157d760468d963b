#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include <sys/types.h>

#include "agent/control/connection.hpp"
#include "agent/control/server.hpp"

// Internal to the control server. Not for use outside agent/control.
namespace magent::control {

// What the server and its connections share. Lives as long as the last connection or
// ReplyStream that needs it, so handlers that run after Server is gone stay safe.
class Server::State : public std::enable_shared_from_this<Server::State> {
 public:
  State(asio::io_context& io, const config::ControlConfig& config, CommandHandler& handler,
        ServerOptions options);

  // Binds and listens on config.socket (after prepare_socket_path), then chmods 0660.
  core::Result<void> listen();
  // Starts the accept loop.
  void accept_next();
  // Stops accepting, closes connections, closes the post gate, unlinks our socket file.
  void stop();

  // Registers a new connection unless max_connections are open; false = turn it away.
  bool add_connection(const std::shared_ptr<Connection>& connection);
  // Forgets a closed connection (idempotent).
  void remove_connection(const Connection* connection);
  std::size_t connection_count() const;

  // Passes an event to ServerOptions::on_event; never throws.
  void report(const ServerEvent& event) const;

  const config::ControlConfig& config() const { return m_config; }
  const ServerOptions& options() const { return m_options; }
  CommandHandler& handler() const { return m_handler; }
  const std::shared_ptr<PostGate>& gate() const { return m_gate; }
  bool stopped() const;

 private:
  void on_accept(const std::error_code& error, std::shared_ptr<Connection::Socket> socket);
  void turn_away(Connection::Socket& socket);

  asio::io_context& m_io;
  config::ControlConfig m_config;
  CommandHandler& m_handler;
  ServerOptions m_options;
  std::shared_ptr<PostGate> m_gate = std::make_shared<PostGate>();
  asio::local::stream_protocol::acceptor m_acceptor;
  asio::steady_timer m_accept_retry;
  dev_t m_socket_device = 0;  // identity of the socket file we bound, to unlink only ours
  ino_t m_socket_inode = 0;
  bool m_bound = false;

  mutable std::mutex m_mutex;  // guards the members below
  bool m_stopped = false;
  std::unordered_map<const Connection*, std::weak_ptr<Connection>> m_connections;
};

}  // namespace magent::control
