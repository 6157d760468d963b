#include "agent/control/connection.hpp"

#include <atomic>
#include <utility>
#include <variant>

#include "agent/control/server_state.hpp"

namespace magent::control {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

// The ReplyStream the handler gets: every call becomes a post onto the connection's strand,
// through the server's gate so that nothing is posted once the server has stopped. It holds
// no executor of its own: a daemon may keep it past the io_context's lifetime.
class ConnectionReplyStream final : public ReplyStream {
 public:
  ConnectionReplyStream(std::weak_ptr<Connection> connection, std::shared_ptr<PostGate> gate,
                        std::uint64_t seq)
      : m_connection(std::move(connection)), m_gate(std::move(gate)), m_seq(seq) {}

  ~ConnectionReplyStream() override {
    if (!m_finished.exchange(true)) {
      post_final(make_error_reply(ErrorCode::internal,
                                  "the daemon dropped the request without answering"));
    }
  }
  ConnectionReplyStream(const ConnectionReplyStream&) = delete;
  ConnectionReplyStream& operator=(const ConnectionReplyStream&) = delete;

  void progress(json line) override {
    if (m_finished.load()) return;
    post([seq = m_seq, line = std::move(line)](Connection& connection) mutable {
      connection.deliver_progress(seq, std::move(line));
    });
  }

  void finish(json reply) override {
    if (m_finished.exchange(true)) return;
    post_final(std::move(reply));
  }

 private:
  void post_final(json reply) noexcept {
    post([seq = m_seq, reply = std::move(reply)](Connection& connection) mutable {
      connection.deliver_final(seq, std::move(reply));
    });
  }

  // Runs `deliver(connection)` on the connection's strand, if the server still runs and
  // the connection still exists. The open gate guarantees the io_context is alive.
  template <class Deliver>
  void post(Deliver&& deliver) noexcept {
    try {
      std::lock_guard lock(m_gate->mutex);
      if (!m_gate->open) return;
      std::shared_ptr<Connection> connection = m_connection.lock();
      if (!connection) return;
      asio::any_io_executor executor = connection->executor();
      // The strong reference travels with the handler, so the connection is released on
      // its own strand, never on the daemon's thread.
      asio::post(executor,
                 [connection = std::move(connection),
                  deliver = std::forward<Deliver>(deliver)]() mutable { deliver(*connection); });
    } catch (...) {
      // Out of memory while posting: the line is lost, the daemon carries on.
    }
  }

  std::weak_ptr<Connection> m_connection;
  std::shared_ptr<PostGate> m_gate;
  std::uint64_t m_seq;
  std::atomic<bool> m_finished{false};
};

bool blank(std::string_view text) {
  return text.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

std::string milliseconds_text(std::chrono::milliseconds duration) {
  return std::to_string(duration.count()) + " ms";
}

}  // namespace

Connection::Connection(Socket socket, std::shared_ptr<Server::State> server, Peer peer)
    : m_socket(std::move(socket)),
      m_server(std::move(server)),
      m_peer(std::move(peer)),
      m_read_timer(m_socket.get_executor()),
      m_write_timer(m_socket.get_executor()) {}

Connection::~Connection() {
  m_server->remove_connection(this);
}

void Connection::start() {
  asio::post(executor(), [self = shared_from_this()] { self->process_buffer(); });
}

void Connection::close() {
  asio::post(executor(), [self = shared_from_this()] { self->close_now(); });
}

void Connection::process_buffer() {
  const std::size_t limit = m_server->config().max_request_bytes;
  while (!m_closed && !m_closing && !m_in_flight && m_out.empty()) {
    const std::size_t newline = m_in.find('\n');
    if (newline == std::string::npos) {
      if (m_in.size() > limit) {
        fail_and_close(ErrorCode::too_large,
                       "request line longer than " + std::to_string(limit) + " bytes",
                       ServerEvent::Kind::too_large);
        return;
      }
      if (!m_peer_eof) {
        read_more();
        arm_read_timer();
        return;
      }
      if (blank(m_in)) {  // the client has sent everything and has had every answer
        close_now();
        return;
      }
      std::string last = std::move(m_in);  // a final request without its newline
      m_in.clear();
      dispatch(last);
      continue;
    }
    if (newline > limit) {
      fail_and_close(ErrorCode::too_large,
                     "request line longer than " + std::to_string(limit) + " bytes",
                     ServerEvent::Kind::too_large);
      return;
    }
    std::string line = m_in.substr(0, newline);
    m_in.erase(0, newline + 1);
    if (!m_in.empty()) m_line_started = Clock::now();
    dispatch(line);
  }
}

void Connection::read_more() {
  if (m_reading || m_closed || m_closing || m_peer_eof) return;
  m_reading = true;
  m_socket.async_read_some(
      asio::buffer(m_chunk),
      [self = shared_from_this()](const std::error_code& error, std::size_t bytes) {
        self->on_read(error, bytes);
      });
}

void Connection::on_read(const std::error_code& error, std::size_t bytes) {
  m_reading = false;
  if (m_closed) return;
  if (!error && bytes > 0) {
    if (m_in.empty()) m_line_started = Clock::now();
    m_in.append(m_chunk.data(), bytes);
  }
  if (error == asio::error::eof) {
    m_peer_eof = true;
  } else if (error) {
    close_now();
    return;
  }
  process_buffer();
}

void Connection::dispatch(std::string_view line) {
  if (blank(line)) return;  // tolerate empty lines between requests (e.g. "\r\n" from nc)
  ParseResult parsed = parse_request(line);
  if (const auto* error = std::get_if<RequestError>(&parsed)) {
    report(ServerEvent::Kind::bad_request, error->message);
    send(to_line(make_error_reply(*error)));
    return;
  }
  Request& request = std::get<Request>(parsed);
  if (m_server->stopped()) {
    send(to_line(make_error_reply(ErrorCode::shutting_down, "the daemon is stopping", request.id)));
    return;
  }
  const Access access = access_of(request.command);
  if (authorize(access, m_peer, m_server->config()) == Decision::forbidden) {
    const std::string message = std::string(to_string(request.command)) +
                                " is a mutating command and " + describe(m_peer) +
                                " is not root, not in control.allow_uids and in no group of "
                                "control.allow_gids";
    report(ServerEvent::Kind::forbidden, message);
    send(to_line(make_error_reply(ErrorCode::forbidden, message, request.id)));
    return;
  }
  m_in_flight = true;
  m_keep_alive = shared_from_this();  // only the ReplyStream refers to us until it answers
  ++m_seq;
  m_id = request.id;
  m_read_timer.cancel();
  m_read_timer_purpose = TimerPurpose::none;
  auto stream = std::make_shared<ConnectionReplyStream>(weak_from_this(), m_server->gate(), m_seq);
  try {
    m_server->handler().handle(request, m_peer, stream);
  } catch (const std::exception& failure) {
    stream->finish(
        make_error_reply(ErrorCode::internal, std::string("the daemon failed: ") + failure.what()));
  } catch (...) {
    stream->finish(make_error_reply(ErrorCode::internal, "the daemon failed"));
  }
}

void Connection::deliver_progress(std::uint64_t seq, json line) {
  if (m_closed || m_closing || !m_in_flight || seq != m_seq) return;
  json message;
  if (line.is_object() && line.contains("progress")) {
    message = std::move(line);
    message.erase("ok");  // a progress line must never look final
  } else {
    message = json{{"progress", std::move(line)}};
  }
  if (m_id.is_null()) {
    message.erase("id");
  } else {
    message["id"] = m_id;
  }
  send(to_line(message));
}

void Connection::deliver_final(std::uint64_t seq, json reply) {
  if (m_closed || !m_in_flight || seq != m_seq) return;
  if (!reply.is_object() || !reply.contains("ok") || !reply["ok"].is_boolean()) {
    reply = make_error_reply(ErrorCode::internal, "the daemon sent a malformed reply");
  }
  if (m_id.is_null()) {
    reply.erase("id");
  } else {
    reply["id"] = m_id;
  }
  m_in_flight = false;
  const std::shared_ptr<Connection> self = std::move(m_keep_alive);
  send(to_line(reply));
}

void Connection::send(std::string line) {
  if (m_closed) return;
  if (!m_out.empty() && m_out_bytes + line.size() > m_server->options().max_queued_output_bytes) {
    report(ServerEvent::Kind::slow_reader_dropped,
           "client is not reading its replies; " + std::to_string(m_out_bytes) + " bytes queued");
    close_now();
    return;
  }
  m_out_bytes += line.size();
  m_out.push_back(std::move(line));
  if (!m_writing) write_next();
}

void Connection::write_next() {
  m_writing = true;
  arm_write_timer();
  asio::async_write(m_socket, asio::buffer(m_out.front()),
                    [self = shared_from_this()](const std::error_code& error, std::size_t) {
                      self->on_written(error);
                    });
}

void Connection::on_written(const std::error_code& error) {
  m_writing = false;
  if (m_closed) return;
  if (error) {
    close_now();
    return;
  }
  m_out_bytes -= m_out.front().size();
  m_out.pop_front();
  if (!m_out.empty()) {
    write_next();
    return;
  }
  m_write_timer.cancel();
  if (m_closing) {
    close_now();
    return;
  }
  process_buffer();
}

void Connection::arm_read_timer() {
  const auto& config = m_server->config();
  const bool idle = m_in.empty();
  const auto limit = idle ? config.idle_timeout : config.request_timeout;
  if (limit.count() <= 0) return;  // no limit configured
  m_read_timer_purpose = idle ? TimerPurpose::idle : TimerPurpose::request;
  m_read_timer.expires_at((idle ? Clock::now() : m_line_started) + limit);
  m_read_timer.async_wait(
      [self = shared_from_this()](const std::error_code& error) { self->on_read_timer(error); });
}

void Connection::on_read_timer(const std::error_code& error) {
  if (error || m_closed || m_closing || m_in_flight || m_writing) return;
  if (m_read_timer.expiry() > Clock::now()) return;  // re-armed since this wait began
  const auto& config = m_server->config();
  if (m_read_timer_purpose == TimerPurpose::idle && m_in.empty()) {
    report(ServerEvent::Kind::idle_timeout,
           "no request in " + milliseconds_text(config.idle_timeout) + "; closed");
    close_now();
  } else if (m_read_timer_purpose == TimerPurpose::request) {
    fail_and_close(ErrorCode::timeout,
                   "request line not completed within " + milliseconds_text(config.request_timeout),
                   ServerEvent::Kind::request_timeout);
  }
}

void Connection::arm_write_timer() {
  const auto limit = m_server->config().idle_timeout;
  if (limit.count() <= 0) return;
  m_write_timer.expires_after(limit);
  m_write_timer.async_wait(
      [self = shared_from_this()](const std::error_code& error) { self->on_write_timer(error); });
}

void Connection::on_write_timer(const std::error_code& error) {
  if (error || m_closed || !m_writing) return;
  if (m_write_timer.expiry() > Clock::now()) return;
  report(ServerEvent::Kind::idle_timeout, "client has not read its replies for " +
                                              milliseconds_text(m_server->config().idle_timeout) +
                                              "; closed");
  close_now();
}

void Connection::fail_and_close(ErrorCode code, std::string_view message, ServerEvent::Kind kind) {
  report(kind, std::string(message));
  m_closing = true;
  m_in.clear();
  m_read_timer.cancel();
  m_read_timer_purpose = TimerPurpose::none;
  // Writes the error even though we are closing: the client learns why.
  json reply = make_error_reply(code, message);
  std::string line = to_line(reply);
  m_out_bytes += line.size();
  m_out.push_back(std::move(line));
  if (!m_writing) write_next();
}

void Connection::close_now() {
  if (m_closed) return;
  m_closed = true;
  // Released when this function returns: an in-flight request no longer pins us.
  const std::shared_ptr<Connection> keep = std::move(m_keep_alive);
  m_read_timer.cancel();
  m_write_timer.cancel();
  std::error_code ignored;
  m_socket.shutdown(Socket::shutdown_both, ignored);
  m_socket.close(ignored);
  m_out.clear();
  m_out_bytes = 0;
  m_in.clear();
  m_server->remove_connection(this);
}

void Connection::report(ServerEvent::Kind kind, std::string message) {
  m_server->report(ServerEvent{kind, m_peer, std::move(message)});
}

}  // namespace magent::control
