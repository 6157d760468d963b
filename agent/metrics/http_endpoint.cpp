#include "agent/metrics/http_endpoint.hpp"

#include <atomic>
#include <cerrno>
#include <mutex>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <CivetServer.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agent/metrics/listen_address.hpp"

namespace magent::metrics {
namespace {

using namespace std::chrono_literals;

// civetweb tuning: few threads (scrapes and probes are rare and quick) and no keep-alive.
// The request timeout bounds each network read and write; a worker waiting on a stalled
// client notices stop() only when its read times out, so this also bounds stop().
constexpr std::string_view k_threads = "4";
constexpr std::string_view k_request_timeout_ms = "500";
constexpr int k_feature_ipv6 = 8;  // mg_check_feature bit

constexpr std::string_view k_metrics_type = "text/plain; version=0.0.4; charset=utf-8";
constexpr std::string_view k_text_type = "text/plain; charset=utf-8";

// Messages civetweb logs while mg_start runs on this thread (bind errors); null otherwise.
thread_local std::vector<std::string>* t_start_messages = nullptr;

int on_civetweb_log(const mg_connection* /*conn*/, const char* message) {
  if (t_start_messages != nullptr && message != nullptr) t_start_messages->emplace_back(message);
  return 1;  // handled: civetweb must not print to stderr on its own
}

void init_civetweb_once() {
  static std::once_flag once;
  std::call_once(once, [] { mg_init_library(0); });
}

// One HTTP answer, built before anything is written so a failure can still become a 500.
struct Response {
  int status = 200;
  std::string_view content_type = k_text_type;
  std::string body;
  std::string_view extra_headers;
};

// Writes status line, headers and (unless HEAD) the body; allocates only before writing.
void send(mg_connection* conn, const Response& response, bool with_body) {
  const char* reason = mg_get_response_code_text(conn, response.status);
  std::string head = "HTTP/1.1 " + std::to_string(response.status) + " " +
                     (reason != nullptr ? reason : "") + "\r\n";
  head += "Content-Type: " + std::string(response.content_type) + "\r\n";
  head += "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
  head += "Cache-Control: no-store\r\nConnection: close\r\n";
  head += std::string(response.extra_headers);
  head += "\r\n";
  mg_write(conn, head.data(), head.size());
  if (with_body && !response.body.empty())
    mg_write(conn, response.body.data(), response.body.size());
}

// Routes every request by exact path; never lets an exception reach civetweb.
class Router final : public CivetHandler {
 public:
  Router(const Exporter& exporter, LoopAlive loop_alive)
      : m_exporter(exporter), m_loop_alive(std::move(loop_alive)) {}

  using CivetHandler::handleDelete;
  using CivetHandler::handleGet;
  using CivetHandler::handleHead;
  using CivetHandler::handleOptions;
  using CivetHandler::handlePatch;
  using CivetHandler::handlePost;
  using CivetHandler::handlePut;

  bool handleGet(CivetServer*, mg_connection* conn, int* status) override {
    return serve(conn, status, true);
  }
  bool handleHead(CivetServer*, mg_connection* conn, int* status) override {
    return serve(conn, status, false);
  }
  bool handlePost(CivetServer*, mg_connection* conn, int* status) override {
    return refuse(conn, status);
  }
  bool handlePut(CivetServer*, mg_connection* conn, int* status) override {
    return refuse(conn, status);
  }
  bool handleDelete(CivetServer*, mg_connection* conn, int* status) override {
    return refuse(conn, status);
  }
  bool handleOptions(CivetServer*, mg_connection* conn, int* status) override {
    return refuse(conn, status);
  }
  bool handlePatch(CivetServer*, mg_connection* conn, int* status) override {
    return refuse(conn, status);
  }

 private:
  Response route(std::string_view path) const {
    if (path == "/metrics") return {200, k_metrics_type, m_exporter.render(), {}};
    if (path == "/healthz") {
      if (m_loop_alive && m_loop_alive()) return {200, k_text_type, "ok\n", {}};
      return {503, k_text_type, "event loop not responding (no recent heartbeat)\n", {}};
    }
    if (path == "/readyz") {
      const auto readiness = m_exporter.readiness();
      if (readiness.ready) return {200, k_text_type, "ready\n", {}};
      return {503, k_text_type, readiness.reason + "\n", {}};
    }
    return {404, k_text_type, "not found; try /metrics, /healthz or /readyz\n", {}};
  }

  bool serve(mg_connection* conn, int* status, bool with_body) const noexcept {
    int answered = 500;
    try {
      const mg_request_info* info = mg_get_request_info(conn);
      const char* path = info != nullptr ? info->local_uri : nullptr;
      const Response response = route(path != nullptr ? path : "");
      send(conn, response, with_body);  // builds everything before it writes
      answered = response.status;
    } catch (...) {
      try {
        send(conn, {500, k_text_type, "internal error\n", {}}, with_body);
      } catch (...) {
        // Out of memory twice: civetweb closes the connection without an answer.
      }
    }
    if (status != nullptr) *status = answered;
    return true;
  }

  static bool refuse(mg_connection* conn, int* status) noexcept {
    try {
      send(conn, {405, k_text_type, "only GET and HEAD are served\n", "Allow: GET, HEAD\r\n"},
           true);
    } catch (...) {
    }
    if (status != nullptr) *status = 405;
    return true;
  }

  const Exporter& m_exporter;
  LoopAlive m_loop_alive;
};

// Opens and drops one TCP connection to `target`, bounded to 50 ms. civetweb's listener
// thread sleeps in poll() for up to 2 s between stop checks; a connection wakes it.
void poke(const ListenAddress& target) {
  sockaddr_storage storage{};
  socklen_t length = 0;
  if (target.family == IpFamily::v4) {
    auto* in = reinterpret_cast<sockaddr_in*>(&storage);
    in->sin_family = AF_INET;
    in->sin_port = htons(target.port);
    if (inet_pton(AF_INET, target.host.c_str(), &in->sin_addr) != 1) return;
    length = sizeof(sockaddr_in);
  } else {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&storage);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(target.port);
    if (inet_pton(AF_INET6, target.host.c_str(), &in6->sin6_addr) != 1) return;
    length = sizeof(sockaddr_in6);
  }
  const int fd = ::socket(storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&storage), length) != 0 &&
      errno == EINPROGRESS) {
    pollfd waiting{fd, POLLOUT, 0};
    ::poll(&waiting, 1, 50);
  }
  ::close(fd);
}

}  // namespace

struct HttpEndpoint::Impl {
  ListenAddress bound;
  std::unique_ptr<Router> router;
  std::unique_ptr<CivetServer> server;
  std::chrono::milliseconds last_stop{0};

  void stop() noexcept {
    if (!server) return;
    const auto started = std::chrono::steady_clock::now();
    std::atomic<bool> stopped{false};
    std::thread waker;
    try {
      waker = std::thread([this, &stopped] {
        const ListenAddress target = bound.local_target();
        while (!stopped.load()) {
          poke(target);
          std::this_thread::sleep_for(10ms);
        }
      });
    } catch (...) {
      // No thread: stopping still works, it just takes civetweb's full poll interval.
    }
    try {
      server->close();
    } catch (...) {
    }
    stopped = true;
    if (waker.joinable()) waker.join();
    server.reset();
    last_stop = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
  }
};

core::Result<HttpEndpoint> HttpEndpoint::start(const config::MetricsConfig& config,
                                               const Exporter& exporter, LoopAlive loop_alive) {
  if (config.listen.empty()) {
    return core::make_error(core::ErrorKind::config,
                            "metrics.listen is empty: the HTTP endpoint is disabled");
  }
  auto address = resolve_listen_address(config.listen);
  if (!address) return address.error();
  const std::string where = "metrics.listen \"" + config.listen + "\"";
  if (address->family == IpFamily::v6 && mg_check_feature(k_feature_ipv6) == 0) {
    return core::make_error(core::ErrorKind::config,
                            where +
                                ": this build's HTTP server (civetweb) has no IPv6 support; "
                                "listen on an IPv4 address such as 127.0.0.1:9464");
  }

  init_civetweb_once();
  auto impl = std::make_unique<Impl>();
  impl->bound = *address;
  impl->router = std::make_unique<Router>(exporter, std::move(loop_alive));
  const std::vector<std::string> options = {
      "listening_ports",    address->to_string(),
      "num_threads",        std::string(k_threads),
      "enable_keep_alive",  "no",
      "request_timeout_ms", std::string(k_request_timeout_ms)};
  CivetCallbacks callbacks;
  callbacks.log_message = on_civetweb_log;
  std::vector<std::string> messages;
  t_start_messages = &messages;
  try {
    impl->server = std::make_unique<CivetServer>(options, &callbacks);
  } catch (const std::exception&) {
    // The reason is in the messages civetweb logged (e.g. "cannot bind to ...: 98 (Address
    // already in use)").
  }
  t_start_messages = nullptr;
  if (!impl->server) {
    const std::string reason =
        messages.empty() ? "the HTTP server did not start" : messages.front();
    return core::make_error(core::ErrorKind::io, where + ": " + reason);
  }
  impl->server->addHandler("**", *impl->router);
  const auto ports = impl->server->getListeningPortsFull();
  if (ports.empty() || ports.front().port <= 0 || ports.front().port > 65535) {
    impl->stop();
    return core::make_error(core::ErrorKind::io, where + ": no listening port after start");
  }
  impl->bound.port = static_cast<std::uint16_t>(ports.front().port);
  return HttpEndpoint(std::move(impl));
}

HttpEndpoint::HttpEndpoint(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}

HttpEndpoint::HttpEndpoint(HttpEndpoint&& other) noexcept = default;

HttpEndpoint& HttpEndpoint::operator=(HttpEndpoint&& other) noexcept {
  if (this != &other) {
    stop();
    m_impl = std::move(other.m_impl);
  }
  return *this;
}

HttpEndpoint::~HttpEndpoint() {
  stop();
}

void HttpEndpoint::stop() noexcept {
  if (m_impl) m_impl->stop();
}

std::uint16_t HttpEndpoint::port() const {
  return m_impl && m_impl->server ? m_impl->bound.port : 0;
}

std::string HttpEndpoint::address() const {
  return m_impl ? m_impl->bound.to_string() : "";
}

std::chrono::milliseconds HttpEndpoint::last_stop_duration() const {
  return m_impl ? m_impl->last_stop : std::chrono::milliseconds{0};
}

}  // namespace magent::metrics
