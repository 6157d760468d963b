#include "agent/daemon/watch_names.hpp"

#include <gtest/gtest.h>

namespace magent::daemon {
namespace {

TEST(WatchNames, MigrationFilesAndUnknownNamesAreNeverIgnored) {
  for (const char* name : {"20260101_000000_init.sql", "abc123_add_phone.py", "README.md",
                           "x.sql.tmp", "x.sql.part", "__pycache__", "#x", "x#", "4914"}) {
    EXPECT_FALSE(is_ignored_name(name)) << name;
  }
}

TEST(WatchNames, ConfigMapDataLinkIsWatchedThoughItIsADotfile) {
  EXPECT_FALSE(is_ignored_name("..data"));
  EXPECT_TRUE(is_ignored_name("..data_tmp"));
  EXPECT_TRUE(is_ignored_name("..2026_11_23_12_00_00.123"));
}

TEST(WatchNames, EditorDroppingsAndDotfilesAreIgnored) {
  for (const char* name : {".x.sql.swp", ".x.sql.swx", ".#x.sql", "#x.sql#", "x.sql~", "4913",
                           "x.sql.swp", "x.sql.swo", "x.sql___jb_tmp___", "x.sql___jb_old___",
                           ".hidden.sql", ".goutputstream-ABC123"}) {
    EXPECT_TRUE(is_ignored_name(name)) << name;
  }
}

TEST(WatchNames, EmptyNameIsNotIgnored) {
  EXPECT_FALSE(is_ignored_name(""));
}

}  // namespace
}  // namespace magent::daemon
