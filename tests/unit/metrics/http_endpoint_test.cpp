#include "agent/metrics/http_endpoint.hpp"

#include <atomic>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/support/exposition.hpp"
#include "tests/support/http_client.hpp"

namespace magent::metrics {
namespace {

using namespace std::chrono_literals;
using test::http_get;
using test::http_request;

config::MetricsConfig listen_on(std::string address) {
  config::MetricsConfig config;
  config.listen = std::move(address);
  return config;
}

core::StatusSnapshot ready_snapshot() {
  core::StatusSnapshot snapshot;
  snapshot.database_up = true;
  snapshot.revisions = {"b"};
  snapshot.heads = {"b"};
  snapshot.ready = true;
  return snapshot;
}

// An endpoint on a free loopback port over its own exporter, with a switchable heartbeat.
class HttpEndpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto started = HttpEndpoint::start(listen_on("127.0.0.1:0"), m_exporter,
                                       [this] { return m_alive.load(); });
    ASSERT_TRUE(started) << started.error().message;
    m_endpoint.emplace(std::move(*started));
    ASSERT_NE(m_endpoint->port(), 0);
  }

  std::uint16_t port() const { return m_endpoint->port(); }

  Exporter m_exporter;
  std::atomic<bool> m_alive{true};
  std::optional<HttpEndpoint> m_endpoint;
};

TEST_F(HttpEndpointTest, MetricsAreServedInTheTextFormat) {
  const auto response = http_get(port(), "/metrics");
  ASSERT_EQ(response.status, 200) << response.error;
  EXPECT_EQ(response.headers.at("content-type").rfind("text/plain; version=0.0.4", 0), 0u);
  EXPECT_EQ(test::sample_value(response.body, "migration_agent_up"), 1.0);
  EXPECT_EQ(response.headers.at("content-length"), std::to_string(response.body.size()));

  const auto with_query = http_get(port(), "/metrics?name[]=migration_agent_up");
  EXPECT_EQ(with_query.status, 200);
}

TEST_F(HttpEndpointTest, HealthzFollowsTheLoopHeartbeat) {
  auto response = http_get(port(), "/healthz");
  EXPECT_EQ(response.status, 200) << response.error;
  EXPECT_EQ(response.body, "ok\n");

  m_alive = false;
  response = http_get(port(), "/healthz");
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(response.body, "event loop not responding (no recent heartbeat)\n");

  m_alive = true;
  EXPECT_EQ(http_get(port(), "/healthz").status, 200);
}

TEST_F(HttpEndpointTest, ReadyzGivesTheReasonUntilTheSnapshotIsReady) {
  auto response = http_get(port(), "/readyz");
  EXPECT_EQ(response.status, 503) << response.error;
  EXPECT_EQ(response.body, "no check of the database has completed yet\n");

  auto snapshot = ready_snapshot();
  snapshot.ready = false;
  snapshot.not_ready_reason = "database at a, files at b: 1 revision pending";
  m_exporter.update(snapshot);
  response = http_get(port(), "/readyz");
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(response.body, "database at a, files at b: 1 revision pending\n");

  m_exporter.update(ready_snapshot());
  response = http_get(port(), "/readyz");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "ready\n");
}

TEST_F(HttpEndpointTest, OtherPathsAreNotFound) {
  for (const char* path :
       {"/", "/metrics/", "/metrics/x", "/health", "/favicon.ico", "/readyz/x"}) {
    const auto response = http_get(port(), path);
    EXPECT_EQ(response.status, 404) << path << " " << response.error;
  }
}

TEST_F(HttpEndpointTest, HeadAnswersWithoutABodyAndOtherMethodsAreRefused) {
  const auto head = http_request("127.0.0.1", port(), "HEAD", "/healthz");
  EXPECT_EQ(head.status, 200) << head.error;
  EXPECT_EQ(head.body, "");
  EXPECT_EQ(head.headers.at("content-length"), "3");

  const auto post = http_request("127.0.0.1", port(), "POST", "/metrics");
  EXPECT_EQ(post.status, 405) << post.error;
  EXPECT_EQ(post.headers.at("allow"), "GET, HEAD");
}

TEST_F(HttpEndpointTest, AHeartbeatThatThrowsIsA500AndTheServerCarriesOn) {
  auto throwing = HttpEndpoint::start(listen_on("127.0.0.1:0"), m_exporter,
                                      []() -> bool { throw std::runtime_error("boom"); });
  ASSERT_TRUE(throwing) << throwing.error().message;
  EXPECT_EQ(http_get(throwing->port(), "/healthz").status, 500);
  EXPECT_EQ(http_get(throwing->port(), "/metrics").status, 200);
}

TEST_F(HttpEndpointTest, ConcurrentScrapesWhileTheSnapshotChangesSeeOneConsistentState) {
  std::atomic<bool> done{false};
  std::thread updater([&] {
    auto snapshot = ready_snapshot();
    for (int i = 0; !done; ++i) {
      snapshot.revisions = {i % 2 == 0 ? "a" : "b"};
      m_exporter.update(snapshot);
      m_exporter.record_step(StepDirection::upgrade, StepOutcome::succeeded, 10ms);
    }
  });
  std::atomic<int> failures{0};
  std::vector<std::thread> scrapers;
  for (int t = 0; t < 4; ++t) {
    scrapers.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        const auto response = http_get(port(), "/metrics");
        const bool sane =
            response.status == 200 &&
            test::sample_lines(response.body, "migration_agent_database_revision_info").size() <=
                1 &&
            test::sample_lines(response.body, "migration_agent_drift").size() == 7 &&
            test::sample_value(response.body, "migration_agent_up") == 1.0;
        if (!sane) ++failures;
      }
    });
  }
  for (auto& scraper : scrapers) scraper.join();
  done = true;
  updater.join();
  EXPECT_EQ(failures.load(), 0);
  const auto text = m_exporter.render();
  EXPECT_EQ(test::sample_lines(text, "migration_agent_database_revision_info").size(), 1u);
}

TEST_F(HttpEndpointTest, StopsQuicklyAndThePortCloses) {
  const auto bound = port();
  m_endpoint->stop();
  EXPECT_LT(m_endpoint->last_stop_duration(), 500ms);
  std::cout << "[ stop took " << m_endpoint->last_stop_duration().count() << " ms ]\n";
  EXPECT_EQ(m_endpoint->port(), 0);
  EXPECT_EQ(http_get(bound, "/healthz").status, 0);
  m_endpoint->stop();  // idempotent
}

TEST_F(HttpEndpointTest, StopsQuicklyWithAnIdleClientConnected) {
  const int client = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port());
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(client, reinterpret_cast<const sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::send(client, "GET /metr", 9, MSG_NOSIGNAL), 9);  // a request that never ends
  std::this_thread::sleep_for(50ms);
  m_endpoint->stop();
  ::close(client);
  std::cout << "[ stop with an idle client took " << m_endpoint->last_stop_duration().count()
            << " ms ]\n";
  EXPECT_LT(m_endpoint->last_stop_duration(), 750ms);
}

TEST(HttpEndpoint, APortInUseIsAnErrorNamingTheAddress) {
  const Exporter exporter;
  auto first = HttpEndpoint::start(listen_on("127.0.0.1:0"), exporter, [] { return true; });
  ASSERT_TRUE(first) << first.error().message;
  const std::string taken = "127.0.0.1:" + std::to_string(first->port());
  auto second = HttpEndpoint::start(listen_on(taken), exporter, [] { return true; });
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().kind, core::ErrorKind::io);
  EXPECT_NE(second.error().message.find("metrics.listen \"" + taken + "\""), std::string::npos)
      << second.error().message;
  EXPECT_NE(second.error().message.find("in use"), std::string::npos) << second.error().message;
}

TEST(HttpEndpoint, BadAddressesAreErrorsNamingTheAddress) {
  const Exporter exporter;
  for (const char* listen : {"no-such-host.invalid:9464", "127.0.0.1:99999", "127.0.0.1", ""}) {
    auto started = HttpEndpoint::start(listen_on(listen), exporter, [] { return true; });
    ASSERT_FALSE(started) << listen;
    EXPECT_EQ(started.error().kind, core::ErrorKind::config) << listen;
    EXPECT_NE(started.error().message.find("metrics.listen"), std::string::npos)
        << started.error().message;
  }
  // An address this host does not have: the bind fails.
  auto foreign = HttpEndpoint::start(listen_on("192.0.2.1:0"), exporter, [] { return true; });
  ASSERT_FALSE(foreign);
  EXPECT_NE(foreign.error().message.find("192.0.2.1"), std::string::npos);
}

TEST(HttpEndpoint, Ipv6IsServedOrRefusedWithAClearError) {
  const Exporter exporter;
  auto started = HttpEndpoint::start(listen_on("[::1]:0"), exporter, [] { return true; });
  if (started) {
    EXPECT_EQ(http_request("::1", started->port(), "GET", "/healthz").status, 200);
    EXPECT_EQ(started->address(), "[::1]:" + std::to_string(started->port()));
  } else {
    EXPECT_NE(started.error().message.find("no IPv6 support"), std::string::npos)
        << started.error().message;
    EXPECT_NE(started.error().message.find("[::1]:0"), std::string::npos);
  }
}

TEST(HttpEndpoint, AllInterfacesAreReachableOnLoopbackAndNamesResolve) {
  const Exporter exporter;
  auto wildcard = HttpEndpoint::start(listen_on("0.0.0.0:0"), exporter, [] { return true; });
  ASSERT_TRUE(wildcard) << wildcard.error().message;
  EXPECT_EQ(http_get(wildcard->port(), "/healthz").status, 200);
  wildcard->stop();
  EXPECT_LT(wildcard->last_stop_duration(), 500ms);

  auto named = HttpEndpoint::start(listen_on("localhost:0"), exporter, [] { return true; });
  ASSERT_TRUE(named) << named.error().message;
  EXPECT_EQ(named->address(), "127.0.0.1:" + std::to_string(named->port()));
}

TEST(HttpEndpoint, TheDefaultListenAddressIsLoopback) {
  EXPECT_EQ(config::MetricsConfig{}.listen, "127.0.0.1:9464");
}

TEST(HttpEndpoint, MovingKeepsServingAndTheMovedFromIsInert) {
  const Exporter exporter;
  auto started = HttpEndpoint::start(listen_on("127.0.0.1:0"), exporter, [] { return true; });
  ASSERT_TRUE(started);
  HttpEndpoint moved = std::move(*started);
  EXPECT_EQ(started->port(), 0);  // NOLINT(bugprone-use-after-move): checking the contract
  started->stop();
  EXPECT_EQ(http_get(moved.port(), "/healthz").status, 200);
}

}  // namespace
}  // namespace magent::metrics
