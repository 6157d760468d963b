#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "agent/control/asio.hpp"
#include "agent/control/authorization.hpp"
#include "agent/control/server.hpp"

// Internal to the control server: one client connection. Not for use outside agent/control.
namespace magent::control {

// Lets ReplyStreams post onto the io_context only while the server exists: the server
// closes the gate when it stops, and posts after that are dropped.
struct PostGate {
  std::mutex mutex;
  bool open = true;
};

// One client: reads request lines, runs them one at a time through the handler, writes
// the replies. Every handler of a connection runs on its own strand (the socket's
// executor), so a connection needs no locks; ReplyStreams reach it by posting.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  using Socket = asio::local::stream_protocol::socket;

  // `socket` is connected and its executor is a strand; `peer` is the kernel's record.
  Connection(Socket socket, std::shared_ptr<Server::State> server, Peer peer);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Begins reading requests (posts onto the strand).
  void start();
  // Closes the connection from any thread (posts onto the strand).
  void close();

  // On the strand, from a ReplyStream: a progress line / the final reply of request `seq`.
  // Lines for a request that is no longer current are dropped.
  void deliver_progress(std::uint64_t seq, nlohmann::json line);
  void deliver_final(std::uint64_t seq, nlohmann::json reply);

  // The executor (a strand) every handler of this connection runs on.
  asio::any_io_executor executor() { return m_socket.get_executor(); }

 private:
  enum class TimerPurpose { none, idle, request };

  void read_more();
  void on_read(const std::error_code& error, std::size_t bytes);
  void process_buffer();
  void dispatch(std::string_view line);
  void send(std::string line);
  void write_next();
  void on_written(const std::error_code& error);
  void arm_read_timer();
  void on_read_timer(const std::error_code& error);
  void arm_write_timer();
  void on_write_timer(const std::error_code& error);
  void fail_and_close(ErrorCode code, std::string_view message, ServerEvent::Kind kind);
  void close_now();
  void report(ServerEvent::Kind kind, std::string message);

  Socket m_socket;
  std::shared_ptr<Server::State> m_server;
  Peer m_peer;
  asio::steady_timer m_read_timer;
  asio::steady_timer m_write_timer;
  TimerPurpose m_read_timer_purpose = TimerPurpose::none;

  static constexpr std::size_t k_read_chunk = 16 * 1024;
  std::array<char, k_read_chunk> m_chunk{};              // the pending read's buffer
  std::string m_in;                                      // bytes read, not yet consumed
  std::chrono::steady_clock::time_point m_line_started;  // when m_in's partial line began
  bool m_reading = false;                                // an async read is pending
  bool m_peer_eof = false;                               // the client shut down its sending side

  bool m_in_flight = false;                  // a request is with the handler
  std::shared_ptr<Connection> m_keep_alive;  // set while in flight: no I/O holds us then
  std::uint64_t m_seq = 0;                   // sequence number of the current request
  nlohmann::json m_id;                       // its id

  std::deque<std::string> m_out;  // reply lines not yet written
  std::size_t m_out_bytes = 0;
  bool m_writing = false;
  bool m_closing = false;  // close once m_out is written
  bool m_closed = false;
};

}  // namespace magent::control
