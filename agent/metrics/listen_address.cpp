#include "agent/metrics/listen_address.hpp"

#include <algorithm>
#include <cctype>
#include <memory>

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

namespace magent::metrics {
namespace {

core::Error bad_address(std::string_view text, std::string_view why) {
  return core::make_error(core::ErrorKind::config,
                          "metrics.listen \"" + std::string(text) + "\": " + std::string(why));
}

bool all_digits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) != 0;
  });
}

struct AddrinfoDeleter {
  void operator()(addrinfo* info) const { freeaddrinfo(info); }
};

// The numeric form of a resolved socket address.
std::string numeric_host(const addrinfo& info) {
  char buffer[INET6_ADDRSTRLEN] = {};
  const void* raw = nullptr;
  if (info.ai_family == AF_INET) {
    raw = &reinterpret_cast<const sockaddr_in*>(info.ai_addr)->sin_addr;
  } else {
    raw = &reinterpret_cast<const sockaddr_in6*>(info.ai_addr)->sin6_addr;
  }
  if (inet_ntop(info.ai_family, raw, buffer, sizeof buffer) == nullptr) return {};
  return buffer;
}

}  // namespace

std::string ListenAddress::to_string() const {
  const std::string port_text = std::to_string(port);
  return family == IpFamily::v6 ? "[" + host + "]:" + port_text : host + ":" + port_text;
}

bool ListenAddress::is_wildcard() const {
  return host == "0.0.0.0" || host == "::";
}

ListenAddress ListenAddress::local_target() const {
  ListenAddress target = *this;
  if (is_wildcard()) target.host = family == IpFamily::v6 ? "::1" : "127.0.0.1";
  return target;
}

core::Result<ListenAddress> split_listen_address(std::string_view text) {
  constexpr std::string_view k_shape =
      "expected HOST:PORT like \"127.0.0.1:9464\" or \"[::1]:9464\"";
  ListenAddress address;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close == 1 || close + 1 >= text.size() ||
        text[close + 1] != ':') {
      return bad_address(text, k_shape);
    }
    address.family = IpFamily::v6;
    address.host = std::string(text.substr(1, close - 1));
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0) return bad_address(text, k_shape);
    address.host = std::string(text.substr(0, colon));
    if (address.host.find(':') != std::string::npos) {
      return bad_address(text, "an IPv6 address needs brackets, like \"[::1]:9464\"");
    }
    port = text.substr(colon + 1);
  }
  if (!all_digits(port) || port.size() > 5 || std::stoul(std::string(port)) > 65535) {
    return bad_address(text, "the port must be a number from 0 to 65535 (0 = any free port)");
  }
  address.port = static_cast<std::uint16_t>(std::stoul(std::string(port)));
  return address;
}

core::Result<ListenAddress> resolve_listen_address(std::string_view text) {
  auto split = split_listen_address(text);
  if (!split) return split.error();
  ListenAddress address = std::move(*split);

  addrinfo hints{};
  hints.ai_family = address.family == IpFamily::v6 ? AF_INET6 : AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = address.family == IpFamily::v6 ? AI_NUMERICHOST : 0;
  addrinfo* raw = nullptr;
  const int status = getaddrinfo(address.host.c_str(), nullptr, &hints, &raw);
  const std::unique_ptr<addrinfo, AddrinfoDeleter> results(raw);
  if (status != 0 || raw == nullptr) {
    return bad_address(text, "cannot resolve \"" + address.host + "\": " + gai_strerror(status));
  }
  // A name may have both kinds of address; IPv4 first, as the HTTP server may lack IPv6.
  const addrinfo* chosen = nullptr;
  for (const addrinfo* info = raw; info != nullptr; info = info->ai_next) {
    if (info->ai_family == AF_INET) {
      chosen = info;
      break;
    }
    if (info->ai_family == AF_INET6 && chosen == nullptr) chosen = info;
  }
  if (chosen == nullptr) return bad_address(text, "\"" + address.host + "\" has no IP address");
  address.family = chosen->ai_family == AF_INET ? IpFamily::v4 : IpFamily::v6;
  address.host = numeric_host(*chosen);
  if (address.host.empty()) return bad_address(text, "cannot print the resolved address");
  return address;
}

}  // namespace magent::metrics
