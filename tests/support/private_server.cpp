#include "tests/support/private_server.hpp"

#include <sstream>

#include "tests/support/process.hpp"

namespace magent::test {
namespace {

// The value of `export NAME=VALUE` in test-servers' output, or "".
std::string exported(const std::string& output, const std::string& name) {
  std::istringstream lines(output);
  const std::string prefix = "export " + name + "=";
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(prefix, 0) == 0) return line.substr(prefix.size());
  }
  return "";
}

std::string script() { return source_dir() + "/scripts/test-servers"; }

}  // namespace

PrivateServer::PrivateServer(Engine engine) {
  const std::string which = engine == Engine::postgresql ? "postgres" : "mariadb";
  const ProcessResult r =
      run_process({script(), "start", which}, {.timeout = std::chrono::minutes(3)});
  m_state_dir = exported(r.out, "MAGENT_TEST_SERVERS_DIR");
  const std::string url = exported(
      r.out, engine == Engine::postgresql ? "MAGENT_TEST_POSTGRES_URL" : "MAGENT_TEST_MYSQL_URL");
  if (r.exit_code == 0 && !url.empty()) {
    m_url = url;
  } else {
    m_error = "scripts/test-servers start " + which + " failed (exit " +
              std::to_string(r.exit_code) + "): " + r.err;
  }
}

PrivateServer::~PrivateServer() {
  if (!m_state_dir.empty()) run_process({script(), "stop", m_state_dir});
}

bool PrivateServer::run(const std::string& verb, std::string* out) {
  const ProcessResult r =
      run_process({script(), verb, m_state_dir}, {.timeout = std::chrono::minutes(2)});
  if (out) *out = r.out;
  if (r.exit_code != 0) m_error = "scripts/test-servers " + verb + " failed: " + r.err;
  return r.exit_code == 0;
}

bool PrivateServer::halt() { return run("halt", nullptr); }

bool PrivateServer::resume() { return run("resume", nullptr); }

bool PrivateServer::crash() { return run("crash", nullptr); }

}  // namespace magent::test
