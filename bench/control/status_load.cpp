// Control-socket load client for bench/control/run.py: N threads, each its own connection
// (or a new connection per request with --reconnect), send {"cmd":"status"} requests in a
// closed loop for a while and time every request from the first byte written to the reply's
// newline. Prints one JSON object: counts, requests per second and latency percentiles (ms).
//
//   c++ -O2 -std=c++20 -pthread -o status_load bench/control/status_load.cpp
//   status_load SOCKET [--clients 50] [--seconds 10] [--think-ms 0] [--reconnect]
//
// Not part of the build: a benchmark tool, compiled by run.py next to its output.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string socket;
  int clients = 50;
  double seconds = 10;
  int think_ms = 0;
  bool reconnect = false;
};

struct Tally {
  std::vector<double> latencies_ms;
  long migrating = 0;  // replies that said a run was in progress
  long failures = 0;   // connect/read/write errors or replies without "ok":true
};

int connect_to(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::snprintf(address.sun_path, sizeof(address.sun_path), "%s", path.c_str());
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Sends one request and reads up to the reply's newline; false on any error.
bool request(int fd, const std::string& line, std::string& reply) {
  std::size_t sent = 0;
  while (sent < line.size()) {
    const ssize_t n = ::write(fd, line.data() + sent, line.size() - sent);
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  reply.clear();
  char buffer[16384];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n <= 0) return false;
    reply.append(buffer, static_cast<std::size_t>(n));
    if (reply.back() == '\n') return true;
  }
}

void client(const Options& options, int index, Clock::time_point until, Tally& tally) {
  int fd = -1;
  std::string reply;
  long sequence = 0;
  while (Clock::now() < until) {
    const std::string line =
        "{\"cmd\":\"status\",\"id\":" + std::to_string(index * 1000000L + ++sequence) + "}\n";
    const auto start = Clock::now();
    if (fd < 0) fd = connect_to(options.socket);
    const bool ok = fd >= 0 && request(fd, line, reply);
    const auto end = Clock::now();
    if (!ok || reply.find("\"ok\":true") == std::string::npos) {
      ++tally.failures;
      if (fd >= 0) ::close(fd);
      fd = -1;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    tally.latencies_ms.push_back(std::chrono::duration<double, std::milli>(end - start).count());
    if (reply.find("\"migrating\":true") != std::string::npos) ++tally.migrating;
    if (options.reconnect) {
      ::close(fd);
      fd = -1;
    }
    if (options.think_ms > 0)
      std::this_thread::sleep_for(std::chrono::milliseconds(options.think_ms));
  }
  if (fd >= 0) ::close(fd);
}

double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  // Nearest rank.
  const auto rank =
      static_cast<std::size_t>(p / 100.0 * static_cast<double>(sorted.size()) + 0.999999);
  return sorted[std::min(sorted.size(), std::max<std::size_t>(rank, 1)) - 1];
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto next = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", arg.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--clients") {
      options.clients = std::atoi(next());
    } else if (arg == "--seconds") {
      options.seconds = std::atof(next());
    } else if (arg == "--think-ms") {
      options.think_ms = std::atoi(next());
    } else if (arg == "--reconnect") {
      options.reconnect = true;
    } else if (options.socket.empty() && arg[0] != '-') {
      options.socket = arg;
    } else {
      std::fprintf(stderr,
                   "usage: status_load SOCKET [--clients N] [--seconds S] "
                   "[--think-ms MS] [--reconnect]\n");
      return 2;
    }
  }
  if (options.socket.empty()) {
    std::fprintf(stderr, "usage: status_load SOCKET [options]\n");
    return 2;
  }
  std::vector<Tally> tallies(static_cast<std::size_t>(options.clients));
  std::vector<std::thread> threads;
  const auto began = Clock::now();
  const auto until = began + std::chrono::duration_cast<Clock::duration>(
                                 std::chrono::duration<double>(options.seconds));
  for (int i = 0; i < options.clients; ++i) {
    threads.emplace_back(client, std::cref(options), i, until,
                         std::ref(tallies[static_cast<std::size_t>(i)]));
  }
  for (auto& thread : threads) thread.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - began).count();
  std::vector<double> all;
  long migrating = 0;
  long failures = 0;
  for (const Tally& tally : tallies) {
    all.insert(all.end(), tally.latencies_ms.begin(), tally.latencies_ms.end());
    migrating += tally.migrating;
    failures += tally.failures;
  }
  std::sort(all.begin(), all.end());
  std::printf(
      "{\"clients\": %d, \"reconnect\": %s, \"think_ms\": %d, \"seconds\": %.2f, "
      "\"requests\": %zu, \"failures\": %ld, \"migrating_replies\": %ld, "
      "\"per_second\": %.0f, \"p50_ms\": %.3f, \"p90_ms\": %.3f, \"p99_ms\": %.3f, "
      "\"max_ms\": %.3f}\n",
      options.clients, options.reconnect ? "true" : "false", options.think_ms, elapsed, all.size(),
      failures, migrating, static_cast<double>(all.size()) / elapsed, percentile(all, 50),
      percentile(all, 90), percentile(all, 99), all.empty() ? 0 : all.back());
  return failures == 0 && !all.empty() ? 0 : 1;
}
