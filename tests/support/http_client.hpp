#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>

namespace magent::test {

// What an HTTP server answered.
struct HttpResponse {
  int status = 0;                              // 0 when no valid response came back
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::string error;  // why status is 0
};

// Sends one HTTP/1.1 request with "Connection: close" to HOST:PORT (IPv4 or IPv6 literal)
// over a plain TCP socket and reads the answer until the server closes the connection.
HttpResponse http_request(const std::string& host, std::uint16_t port, const std::string& method,
                          const std::string& path,
                          std::chrono::milliseconds timeout = std::chrono::seconds(5));

// GET on 127.0.0.1.
inline HttpResponse http_get(std::uint16_t port, const std::string& path) {
  return http_request("127.0.0.1", port, "GET", path);
}

}  // namespace magent::test
