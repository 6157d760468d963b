#include "agent/daemon/inotify_events.hpp"

#include <sys/inotify.h>

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <string_view>

namespace magent::daemon {
namespace {

// Appends one record in the kernel's layout: header, then the name NUL-padded to `len`.
void append_record(std::string& buffer, int wd, std::uint32_t mask, std::string_view name,
                   std::uint32_t padded_len) {
  inotify_event header{};
  header.wd = wd;
  header.mask = mask;
  header.cookie = 7;
  header.len = padded_len;
  buffer.append(reinterpret_cast<const char*>(&header), sizeof header);
  std::string padded(name);
  padded.resize(padded_len, '\0');
  buffer += padded;
}

TEST(InotifyEvents, SplitsRecordsAndStripsNamePadding) {
  std::string buffer;
  append_record(buffer, 3, IN_CLOSE_WRITE, "a.sql", 16);
  append_record(buffer, 4, IN_DELETE_SELF, "", 0);
  append_record(buffer, -1, IN_Q_OVERFLOW, "", 0);
  const auto events = parse_inotify_events(buffer);
  ASSERT_EQ(events.size(), 3U);
  EXPECT_EQ(events[0].wd, 3);
  EXPECT_EQ(events[0].mask, static_cast<std::uint32_t>(IN_CLOSE_WRITE));
  EXPECT_EQ(events[0].cookie, 7U);
  EXPECT_EQ(events[0].name, "a.sql");
  EXPECT_EQ(events[1].wd, 4);
  EXPECT_EQ(events[1].name, "");
  EXPECT_EQ(events[2].wd, -1);
  EXPECT_EQ(events[2].mask, static_cast<std::uint32_t>(IN_Q_OVERFLOW));
}

TEST(InotifyEvents, TruncatedTrailingRecordIsDropped) {
  std::string buffer;
  append_record(buffer, 1, IN_CREATE, "first.sql", 16);
  std::string second;
  append_record(second, 1, IN_CREATE, "second.sql", 16);
  buffer += second.substr(0, second.size() - 4);  // name cut short
  buffer += "xyz";
  const auto events = parse_inotify_events(buffer);
  ASSERT_EQ(events.size(), 1U);
  EXPECT_EQ(events[0].name, "first.sql");
  EXPECT_TRUE(parse_inotify_events(std::string_view("short")).empty());
}

}  // namespace
}  // namespace magent::daemon
