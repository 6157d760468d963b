#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "agent/config/config.hpp"
#include "agent/core/result.hpp"
#include "agent/metrics/exporter.hpp"

// The agent's HTTP listener (DESIGN.md s. 8): /metrics, /healthz and /readyz on one port,
// served by civetweb's embedded server. Anything else is 404; methods other than GET and
// HEAD are 405.
namespace magent::metrics {

// True while the daemon's event loop is responsive (its heartbeat is recent). Called on an
// HTTP thread for every /healthz request, so it must be thread-safe and quick.
using LoopAlive = std::function<bool()>;

// A running HTTP listener. Stops on destruction; movable, not copyable.
class HttpEndpoint {
 public:
  // Listens on `config.listen` ("HOST:PORT" or "[IPv6]:PORT"; port 0 = any free port) and
  // serves `exporter`, which must outlive the endpoint. Errors (empty or unresolvable
  // address, port in use, IPv6 without IPv6 support) name the address.
  static core::Result<HttpEndpoint> start(const config::MetricsConfig& config,
                                          const Exporter& exporter, LoopAlive loop_alive);

  HttpEndpoint(HttpEndpoint&& other) noexcept;
  HttpEndpoint& operator=(HttpEndpoint&& other) noexcept;
  ~HttpEndpoint();

  // Stops listening and waits for requests in flight (each bounded by a short timeout).
  // Idempotent; never throws. Usually takes a few milliseconds.
  void stop() noexcept;

  // The port actually bound (the chosen one when the configuration said 0); 0 once stopped.
  std::uint16_t port() const;
  // The address actually bound, "HOST:PORT" with the resolved numeric host.
  std::string address() const;
  // How long the last stop() took (zero before it ran), for logs and tests.
  std::chrono::milliseconds last_stop_duration() const;

 private:
  struct Impl;
  explicit HttpEndpoint(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

}  // namespace magent::metrics
