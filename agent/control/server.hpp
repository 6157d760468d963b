#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "agent/control/asio.hpp"

#include "agent/config/config.hpp"
#include "agent/control/authorization.hpp"
#include "agent/control/handler.hpp"
#include "agent/core/result.hpp"

namespace magent::control {

// Something about a connection the daemon may want to log. Commands that reach the
// handler are not reported here: the handler sees them with their peer.
struct ServerEvent {
  enum class Kind {
    rejected_busy,        // max_connections reached; answered `busy` and closed
    forbidden,            // a mutating command from an unauthorized peer; refused
    bad_request,          // a line that did not parse (bad_request, unknown_command)
    too_large,            // a line over max_request_bytes; closed
    request_timeout,      // a request line not finished in request_timeout; closed
    idle_timeout,         // no request in idle_timeout, or a client not reading; closed
    slow_reader_dropped,  // queued output exceeded its cap; closed
    no_credentials,       // the kernel gave no peer credentials; closed
    accept_failed,        // accept() failed (e.g. out of file descriptors); retried
  };
  Kind kind = Kind::bad_request;
  Peer peer;            // zero for accept_failed
  std::string message;  // one line
};

// Knobs beyond ControlConfig, mostly for tests.
struct ServerOptions {
  // Most reply bytes queued for one client that is not reading; beyond it the client is
  // dropped. Lines already handed to the kernel do not count.
  std::size_t max_queued_output_bytes = 4 * 1024 * 1024;
  // Called on the io_context's thread for each ServerEvent; must not block. May be empty.
  std::function<void(const ServerEvent&)> on_event;
};

// The control socket server: accepts connections on a Unix stream socket, reads JSON
// request lines, authorizes them by the peer's kernel credentials and passes them to a
// CommandHandler; replies travel back through a ReplyStream. All I/O is asynchronous on
// the daemon's io_context; one slow or hostile client never holds up the loop or others.
class Server {
 public:
  // Creates the socket at `config.socket` (parent directory 0750 if missing, a stale
  // socket replaced, mode 0660) and starts accepting. `io` and `handler` must outlive the
  // server. Fails with ErrorKind::config or io and one line naming the path.
  static core::Result<std::unique_ptr<Server>> start(asio::io_context& io,
                                                     const config::ControlConfig& config,
                                                     CommandHandler& handler,
                                                     ServerOptions options = {});
  // stop(), then frees everything.
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Stops accepting, closes every connection (replies still owed are dropped, later
  // ReplyStream calls are ignored) and removes the socket file if it is still ours.
  // Idempotent. Call it on the io_context's thread, or while the io_context is not running.
  void stop();

  // The socket path being served.
  const std::string& socket_path() const;
  // Connections open now (thread-safe).
  std::size_t connection_count() const;

  class State;  // shared with the connections; defined in server.cpp

 private:
  explicit Server(std::shared_ptr<State> state);
  std::shared_ptr<State> m_state;
};

}  // namespace magent::control
