#include "agent/control/server.hpp"

#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

#include <sys/stat.h>
#include <unistd.h>

#include "agent/control/peer_credentials.hpp"
#include "agent/control/protocol.hpp"
#include "agent/control/server_state.hpp"
#include "agent/control/socket_file.hpp"

namespace magent::control {
namespace {

constexpr mode_t k_socket_mode = 0660;
constexpr std::chrono::milliseconds k_accept_retry_delay{100};

}  // namespace

Server::State::State(asio::io_context& io, const config::ControlConfig& config,
                     CommandHandler& handler, ServerOptions options)
    : m_io(io),
      m_config(config),
      m_handler(handler),
      m_options(std::move(options)),
      m_acceptor(io),
      m_accept_retry(io) {}

core::Result<void> Server::State::listen() {
  const std::string& path = m_config.socket;
  if (auto prepared = prepare_socket_path(path); !prepared) return prepared;
  const asio::local::stream_protocol::endpoint endpoint(path);
  std::error_code error;
  m_acceptor.open(endpoint.protocol(), error);
  if (!error) m_acceptor.bind(endpoint, error);
  if (error) {
    return core::make_error(core::ErrorKind::io,
                            "cannot bind control socket " + path + ": " + error.message());
  }
  m_bound = true;
  struct stat info {};
  if (::stat(path.c_str(), &info) == 0) {
    m_socket_device = info.st_dev;
    m_socket_inode = info.st_ino;
  }
  if (::chmod(path.c_str(), k_socket_mode) != 0) {
    return core::make_error(core::ErrorKind::io, "cannot set mode 0660 on control socket " + path +
                                                     ": " + std::strerror(errno));
  }
  m_acceptor.listen(asio::socket_base::max_listen_connections, error);
  if (error) {
    return core::make_error(core::ErrorKind::io,
                            "cannot listen on control socket " + path + ": " + error.message());
  }
  return {};
}

void Server::State::accept_next() {
  if (stopped()) return;
  // Each connection gets its own strand: its handlers never run concurrently.
  auto socket = std::make_shared<Connection::Socket>(asio::make_strand(m_io));
  m_acceptor.async_accept(*socket,
                          [self = shared_from_this(), socket](const std::error_code& error) {
                            self->on_accept(error, socket);
                          });
}

void Server::State::on_accept(const std::error_code& error,
                              std::shared_ptr<Connection::Socket> socket) {
  if (error == asio::error::operation_aborted || stopped()) return;
  if (error) {
    // Typically EMFILE/ENFILE: back off instead of spinning, then accept again.
    report(ServerEvent{ServerEvent::Kind::accept_failed, Peer{}, "accept: " + error.message()});
    m_accept_retry.expires_after(k_accept_retry_delay);
    m_accept_retry.async_wait([self = shared_from_this()](const std::error_code& wait_error) {
      if (!wait_error) self->accept_next();
    });
    return;
  }
  core::Result<Peer> peer = read_peer_credentials(socket->native_handle());
  if (!peer) {
    report(ServerEvent{ServerEvent::Kind::no_credentials, Peer{}, peer.error().message});
    std::error_code ignored;
    socket->close(ignored);
  } else if (connection_count() >=
             static_cast<std::size_t>(std::max(m_config.max_connections, 0))) {
    report(ServerEvent{
        ServerEvent::Kind::rejected_busy, *peer,
        "max_connections (" + std::to_string(m_config.max_connections) + ") reached; turned away"});
    turn_away(*socket);
  } else {
    auto connection = std::make_shared<Connection>(std::move(*socket), shared_from_this(), *peer);
    if (add_connection(connection)) connection->start();
  }
  accept_next();
}

void Server::State::turn_away(Connection::Socket& socket) {
  // A fresh socket's buffer always has room for one short line; never block for it.
  std::error_code ignored;
  socket.non_blocking(true, ignored);
  const std::string line = to_line(make_error_reply(
      ErrorCode::busy, "too many connections (control.max_connections = " +
                           std::to_string(m_config.max_connections) + "); try again later"));
  socket.write_some(asio::buffer(line), ignored);
  socket.shutdown(Connection::Socket::shutdown_both, ignored);
  socket.close(ignored);
}

void Server::State::stop() {
  std::vector<std::weak_ptr<Connection>> connections;
  {
    std::lock_guard lock(m_mutex);
    if (m_stopped) return;
    m_stopped = true;
    for (const auto& [key, connection] : m_connections) connections.push_back(connection);
  }
  {
    std::lock_guard lock(m_gate->mutex);
    m_gate->open = false;
  }
  std::error_code ignored;
  m_acceptor.close(ignored);
  m_accept_retry.cancel();
  for (const auto& weak : connections) {
    if (auto connection = weak.lock()) connection->close();
  }
  if (m_bound) {
    // Remove the file only if it is still the socket we bound (not a successor's).
    struct stat info {};
    if (::lstat(m_config.socket.c_str(), &info) == 0 && S_ISSOCK(info.st_mode) &&
        info.st_dev == m_socket_device && info.st_ino == m_socket_inode) {
      ::unlink(m_config.socket.c_str());
    }
  }
}

bool Server::State::add_connection(const std::shared_ptr<Connection>& connection) {
  std::lock_guard lock(m_mutex);
  if (m_stopped) return false;
  m_connections.emplace(connection.get(), connection);
  return true;
}

void Server::State::remove_connection(const Connection* connection) {
  std::lock_guard lock(m_mutex);
  m_connections.erase(connection);
}

std::size_t Server::State::connection_count() const {
  std::lock_guard lock(m_mutex);
  return m_connections.size();
}

bool Server::State::stopped() const {
  std::lock_guard lock(m_mutex);
  return m_stopped;
}

void Server::State::report(const ServerEvent& event) const {
  if (!m_options.on_event) return;
  try {
    m_options.on_event(event);
  } catch (...) {
    // An observer's failure must not take a connection or the loop down.
  }
}

core::Result<std::unique_ptr<Server>> Server::start(asio::io_context& io,
                                                    const config::ControlConfig& config,
                                                    CommandHandler& handler,
                                                    ServerOptions options) {
  auto state = std::make_shared<State>(io, config, handler, std::move(options));
  if (auto listening = state->listen(); !listening) {
    state->stop();
    return listening.error();
  }
  state->accept_next();
  return std::unique_ptr<Server>(new Server(std::move(state)));
}

Server::Server(std::shared_ptr<State> state) : m_state(std::move(state)) {}

Server::~Server() {
  stop();
}

void Server::stop() {
  m_state->stop();
}

const std::string& Server::socket_path() const {
  return m_state->config().socket;
}

std::size_t Server::connection_count() const {
  return m_state->connection_count();
}

}  // namespace magent::control
