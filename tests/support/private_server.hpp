#pragma once

#include <string>

#include "tests/support/engines.hpp"

namespace magent::test {

// A PostgreSQL or MariaDB server of one test's own, started with scripts/test-servers
// (`start postgres|mariadb`), for tests that stop and restart the server under a running
// client without disturbing the shared servers. Stopped, with its data, on destruction.
class PrivateServer {
 public:
  // Starts the server; ok() is false (and error() says why) when it could not.
  explicit PrivateServer(Engine engine);
  ~PrivateServer();
  PrivateServer(const PrivateServer&) = delete;
  PrivateServer& operator=(const PrivateServer&) = delete;

  bool ok() const { return !m_url.empty(); }
  const std::string& error() const { return m_error; }
  // scheme://USER@127.0.0.1:PORT/ (for make_test_database_on).
  const std::string& url() const { return m_url; }

  // Shuts the server down (clients see their sessions end) and waits until it is gone.
  bool halt();
  // Starts it again on the same port and data; waits until it accepts connections.
  bool resume();
  // Kills the server with SIGKILL (no shutdown: clients see their connections reset, the
  // next resume() runs crash recovery) and waits until it is gone.
  bool crash();

 private:
  bool run(const std::string& verb, std::string* out);

  std::string m_state_dir;
  std::string m_url;
  std::string m_error;
};

}  // namespace magent::test
