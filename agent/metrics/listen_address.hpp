#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "agent/core/result.hpp"

namespace magent::metrics {

// Which IP version an address is.
enum class IpFamily { v4, v6 };

// A listen address resolved to a numeric host.
struct ListenAddress {
  IpFamily family = IpFamily::v4;
  std::string host;        // numeric: "127.0.0.1", "::1", "0.0.0.0"
  std::uint16_t port = 0;  // 0 = any free port

  // "HOST:PORT" or "[HOST]:PORT", as civetweb's listening_ports and people read it.
  std::string to_string() const;
  // True for 0.0.0.0 and ::, which listen on every interface.
  bool is_wildcard() const;
  // Where a local client reaches the listener: loopback for a wildcard, else the host.
  ListenAddress local_target() const;

  friend bool operator==(const ListenAddress&, const ListenAddress&) = default;
};

// Splits "HOST:PORT" or "[IPv6]:PORT" (the metrics.listen syntax) without resolving.
// ErrorKind::config naming the text when it does not have that shape.
core::Result<ListenAddress> split_listen_address(std::string_view text);

// Splits and resolves the host (a name such as "localhost" resolves to its first address).
// ErrorKind::config naming the text when the host does not resolve.
core::Result<ListenAddress> resolve_listen_address(std::string_view text);

}  // namespace magent::metrics
