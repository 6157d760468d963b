#include "agent/metrics/listen_address.hpp"

#include <gtest/gtest.h>

namespace magent::metrics {
namespace {

TEST(MetricsListenAddress, SplitsIpv4AndBracketedIpv6) {
  auto v4 = split_listen_address("127.0.0.1:9464");
  ASSERT_TRUE(v4);
  EXPECT_EQ(*v4, (ListenAddress{IpFamily::v4, "127.0.0.1", 9464}));
  auto v6 = split_listen_address("[::1]:0");
  ASSERT_TRUE(v6);
  EXPECT_EQ(*v6, (ListenAddress{IpFamily::v6, "::1", 0}));
  EXPECT_EQ(v6->to_string(), "[::1]:0");
}

TEST(MetricsListenAddress, MalformedTextIsAConfigErrorNamingIt) {
  for (const char* text : {"", "9464", ":9464", "127.0.0.1", "127.0.0.1:", "127.0.0.1:x",
                           "127.0.0.1:65536", "::1:9464", "[::1]9464", "[]:9464", "[::1"}) {
    auto split = split_listen_address(text);
    ASSERT_FALSE(split) << text;
    EXPECT_EQ(split.error().kind, core::ErrorKind::config);
    EXPECT_NE(split.error().message.find("metrics.listen \"" + std::string(text) + "\""),
              std::string::npos)
        << split.error().message;
  }
  EXPECT_NE(split_listen_address("::1:9464").error().message.find("brackets"), std::string::npos);
}

TEST(MetricsListenAddress, ResolvesNamesToANumericHostPreferringIpv4) {
  auto resolved = resolve_listen_address("localhost:9464");
  ASSERT_TRUE(resolved) << resolved.error().message;
  EXPECT_EQ(resolved->family, IpFamily::v4);
  EXPECT_EQ(resolved->host, "127.0.0.1");
  EXPECT_EQ(resolved->port, 9464);
  EXPECT_FALSE(resolve_listen_address("[not-an-address]:9464"));
}

TEST(MetricsListenAddress, WildcardsAreReachedOverLoopback) {
  EXPECT_EQ((ListenAddress{IpFamily::v4, "0.0.0.0", 80}).local_target().host, "127.0.0.1");
  EXPECT_EQ((ListenAddress{IpFamily::v6, "::", 80}).local_target().host, "::1");
  EXPECT_EQ((ListenAddress{IpFamily::v4, "10.1.2.3", 80}).local_target().host, "10.1.2.3");
}

}  // namespace
}  // namespace magent::metrics
