#include "tests/support/http_client.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace magent::test {
namespace {

using Clock = std::chrono::steady_clock;

// Closes the descriptor on scope exit.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

int remaining_ms(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return static_cast<int>(std::max<std::int64_t>(0, left.count()));
}

bool wait_for(int fd, short events, Clock::time_point deadline) {
  pollfd p{fd, events, 0};
  return ::poll(&p, 1, remaining_ms(deadline)) == 1;
}

HttpResponse failure(std::string why) {
  HttpResponse response;
  response.error = std::move(why);
  return response;
}

// Parses "HTTP/1.1 200 OK\r\nName: value\r\n...\r\n\r\nbody".
HttpResponse parse(const std::string& raw) {
  const auto end_of_head = raw.find("\r\n\r\n");
  if (end_of_head == std::string::npos) return failure("no end of headers in: " + raw);
  HttpResponse response;
  std::size_t line_start = 0;
  bool first = true;
  while (line_start < end_of_head) {
    const auto line_end = raw.find("\r\n", line_start);
    const std::string line = raw.substr(line_start, line_end - line_start);
    line_start = line_end + 2;
    if (first) {
      first = false;
      if (line.rfind("HTTP/1.", 0) != 0 || line.size() < 12) return failure("bad status: " + line);
      response.status = std::stoi(line.substr(9, 3));
      continue;
    }
    const auto colon = line.find(':');
    if (colon == std::string::npos) return failure("bad header: " + line);
    std::string name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    response.headers[name] = value;
  }
  response.body = raw.substr(end_of_head + 4);
  return response;
}

}  // namespace

HttpResponse http_request(const std::string& host, std::uint16_t port, const std::string& method,
                          const std::string& path, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  sockaddr_storage storage{};
  socklen_t length = 0;
  auto* in = reinterpret_cast<sockaddr_in*>(&storage);
  auto* in6 = reinterpret_cast<sockaddr_in6*>(&storage);
  if (inet_pton(AF_INET, host.c_str(), &in->sin_addr) == 1) {
    in->sin_family = AF_INET;
    in->sin_port = htons(port);
    length = sizeof(sockaddr_in);
  } else if (inet_pton(AF_INET6, host.c_str(), &in6->sin6_addr) == 1) {
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(port);
    length = sizeof(sockaddr_in6);
  } else {
    return failure("not an IP literal: " + host);
  }
  Fd socket{::socket(storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)};
  if (socket.fd < 0) return failure(std::string("socket: ") + std::strerror(errno));
  if (::connect(socket.fd, reinterpret_cast<const sockaddr*>(&storage), length) != 0) {
    if (errno != EINPROGRESS) return failure(std::string("connect: ") + std::strerror(errno));
    if (!wait_for(socket.fd, POLLOUT, deadline)) return failure("connect timed out");
    int error = 0;
    socklen_t error_length = sizeof error;
    ::getsockopt(socket.fd, SOL_SOCKET, SO_ERROR, &error, &error_length);
    if (error != 0) return failure(std::string("connect: ") + std::strerror(error));
  }
  const std::string request = method + " " + path + " HTTP/1.1\r\nHost: " + host + ":" +
                              std::to_string(port) + "\r\nConnection: close\r\n\r\n";
  std::size_t sent = 0;
  while (sent < request.size()) {
    if (!wait_for(socket.fd, POLLOUT, deadline)) return failure("send timed out");
    const auto n = ::send(socket.fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN) return failure(std::string("send: ") + std::strerror(errno));
    if (n > 0) sent += static_cast<std::size_t>(n);
  }
  std::string raw;
  char buffer[8192];
  for (;;) {
    if (!wait_for(socket.fd, POLLIN, deadline)) return failure("read timed out after: " + raw);
    const auto n = ::recv(socket.fd, buffer, sizeof buffer, 0);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      if (errno == ECONNRESET && !raw.empty()) break;
      return failure(std::string("recv: ") + std::strerror(errno));
    }
    raw.append(buffer, static_cast<std::size_t>(n));
  }
  return parse(raw);
}

}  // namespace magent::test
