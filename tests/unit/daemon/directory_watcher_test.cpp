#include "agent/daemon/directory_watcher.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/temp_dir.hpp"

namespace magent::daemon {

// Readable failure messages (found by argument-dependent lookup, so outside the unnamed
// namespace).
void PrintTo(WatchEvent event, std::ostream* out) {
  *out << (event == WatchEvent::changed ? "changed" : "missing");
}

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds k_debounce = 50ms;
constexpr milliseconds k_quiet = 150ms;      // long enough for a wrongly-made callback to show
constexpr milliseconds k_patience = 3000ms;  // upper bound for an expected callback

constexpr auto k_changed = WatchEvent::changed;
constexpr auto k_missing = WatchEvent::missing;

void write_file(const fs::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
}

// `ln -sfn target link` as coreutils does it: a new symlink renamed over the old one.
void repoint_symlink(const fs::path& target, const fs::path& link) {
  const fs::path temporary = link.parent_path() / (link.filename().string() + "_tmp");
  fs::create_directory_symlink(target, temporary);
  fs::rename(temporary, link);
}

class DirectoryWatcherTest : public ::testing::Test {
 protected:
  // The temp dir with any symlink on its way (TMPDIR through a link) resolved.
  fs::path root() const { return fs::canonical(m_tmp.path()); }

  static WatcherOptions quick() {
    return WatcherOptions{.debounce = k_debounce, .retry_interval = 100ms};
  }

  [[nodiscard]] bool watch(const fs::path& path, WatcherOptions options = quick()) {
    m_watcher =
        std::make_unique<DirectoryWatcher>(m_io, path.string(), options, [this](WatchEvent event) {
          m_events.push_back(event);
          m_times.push_back(Clock::now());
        });
    const core::Result<void> started = m_watcher->start();
    if (!started.ok()) ADD_FAILURE() << started.error().message;
    return started.ok();
  }

  // Runs the event loop for `duration`.
  void run_for(milliseconds duration) {
    const Clock::time_point deadline = Clock::now() + duration;
    while (Clock::now() < deadline) {
      m_io.restart();
      m_io.run_for(std::min<Clock::duration>(10ms, deadline - Clock::now()));
      if (m_io.stopped()) std::this_thread::sleep_for(1ms);  // ran out of work
    }
  }

  // Runs the event loop until `count` callbacks were made; false if that takes too long.
  [[nodiscard]] bool wait_for_events(std::size_t count) {
    const Clock::time_point deadline = Clock::now() + k_patience;
    while (m_events.size() < count && Clock::now() < deadline) run_for(5ms);
    return m_events.size() >= count;
  }

  // A Kubernetes ConfigMap volume holding x.sql: `..2026_...` data dir, `..data` link to it,
  // `x.sql -> ..data/x.sql`.
  fs::path make_configmap_volume() {
    const fs::path volume = root() / "volume";
    fs::create_directories(volume / "..2026_11_23_12_00_00.123");
    write_file(volume / "..2026_11_23_12_00_00.123/x.sql", "-- v1\n");
    fs::create_directory_symlink("..2026_11_23_12_00_00.123", volume / "..data");
    fs::create_symlink("..data/x.sql", volume / "x.sql");
    return volume;
  }

  // A Capistrano deploy: app/releases/{20261122,20261123}/migrations, app/current -> the first.
  fs::path make_capistrano_app() {
    const fs::path app = root() / "app";
    fs::create_directories(app / "releases/20261122/migrations");
    fs::create_directories(app / "releases/20261123/migrations");
    write_file(app / "releases/20261122/migrations/a.sql", "-- a\n");
    fs::create_directory_symlink("releases/20261122", app / "current");
    return app;
  }

  test::TempDir m_tmp;
  asio::io_context m_io;  // outlives the watcher
  std::unique_ptr<DirectoryWatcher> m_watcher;
  std::vector<WatchEvent> m_events;
  std::vector<Clock::time_point> m_times;
};

TEST_F(DirectoryWatcherTest, NewFileIsReportedOnceAfterTheDebounce) {
  fs::create_directories(root() / "m");
  ASSERT_TRUE(watch(root() / "m"));
  EXPECT_EQ(m_watcher->resolved_path(), (root() / "m").string());
  EXPECT_EQ(m_watcher->problem(), "");
  write_file(root() / "m/a.sql", "-- a\n");
  ASSERT_TRUE(wait_for_events(1));
  run_for(k_quiet);
  EXPECT_EQ(m_events, std::vector{k_changed});
}

TEST_F(DirectoryWatcherTest, CallbackComesNoSoonerThanTheDefaultDebounce) {
  EXPECT_EQ(WatcherOptions{}.debounce, 300ms);
  fs::create_directories(root() / "m");
  ASSERT_TRUE(watch(root() / "m", WatcherOptions{}));
  const Clock::time_point written = Clock::now();
  write_file(root() / "m/a.sql", "-- a\n");
  ASSERT_TRUE(wait_for_events(1));
  EXPECT_GE(m_times[0] - written, 300ms);
  EXPECT_LT(m_times[0] - written, 2000ms);
}

TEST_F(DirectoryWatcherTest, BurstOfTwentyWritesIsReportedOnceAfterTheLast) {
  fs::create_directories(root() / "m");
  ASSERT_TRUE(watch(root() / "m", WatcherOptions{.debounce = 150ms}));
  Clock::time_point last_write;
  for (int i = 0; i < 20; ++i) {
    write_file(root() / "m" / ("f" + std::to_string(i % 5) + ".sql"), std::to_string(i));
    last_write = Clock::now();
    run_for(10ms);
  }
  ASSERT_TRUE(wait_for_events(1));
  run_for(k_quiet);
  EXPECT_EQ(m_events, std::vector{k_changed});
  EXPECT_GE(m_times[0] - last_write, 150ms);
}

TEST_F(DirectoryWatcherTest, TempFileRenamedIntoPlaceIsReported) {
  fs::create_directories(root() / "m");
  ASSERT_TRUE(watch(root() / "m"));
  write_file(root() / "m/.a.sql.tmp", "-- a\n");
  run_for(k_quiet);
  EXPECT_TRUE(m_events.empty()) << "a dotfile alone must not trigger";
  fs::rename(root() / "m/.a.sql.tmp", root() / "m/a.sql");
  ASSERT_TRUE(wait_for_events(1));
  EXPECT_EQ(m_events, std::vector{k_changed});
}

TEST_F(DirectoryWatcherTest, DeletedAndMovedOutFilesAreReported) {
  fs::create_directories(root() / "m");
  fs::create_directories(root() / "elsewhere");
  write_file(root() / "m/a.sql", "-- a\n");
  write_file(root() / "m/b.sql", "-- b\n");
  ASSERT_TRUE(watch(root() / "m"));
  fs::remove(root() / "m/a.sql");
  ASSERT_TRUE(wait_for_events(1));
  fs::rename(root() / "m/b.sql", root() / "elsewhere/b.sql");
  ASSERT_TRUE(wait_for_events(2));
  EXPECT_EQ(m_events, (std::vector{k_changed, k_changed}));
}

TEST_F(DirectoryWatcherTest, EditorDroppingsAloneAreNotReported) {
  fs::create_directories(root() / "m");
  ASSERT_TRUE(watch(root() / "m"));
  write_file(root() / "m/.a.sql.swp", "swap");
  write_file(root() / "m/a.sql~", "backup");
  write_file(root() / "m/#a.sql#", "autosave");
  write_file(root() / "m/4913", "");
  fs::remove(root() / "m/4913");
  fs::create_symlink("user@host.1234", root() / "m/.#a.sql");  // emacs lock
  run_for(k_debounce + k_quiet);
  EXPECT_TRUE(m_events.empty());
  write_file(root() / "m/a.sql", "-- a\n");
  ASSERT_TRUE(wait_for_events(1)) << "the watcher must still be alive";
}

TEST_F(DirectoryWatcherTest, FileStillBeingWrittenIsReportedOnlyWhenClosed) {
  fs::create_directories(root() / "m");
  ASSERT_TRUE(watch(root() / "m"));
  std::ofstream out(root() / "m/a.sql");
  out << "-- revision: 1\n" << std::flush;
  run_for(k_debounce + k_quiet);
  EXPECT_TRUE(m_events.empty()) << "a half-written file must not be scanned";
  out << "-- +upgrade\n";
  out.close();
  ASSERT_TRUE(wait_for_events(1));
  EXPECT_EQ(m_events, std::vector{k_changed});
}

TEST_F(DirectoryWatcherTest, ContinuousWritingCannotStarveAPendingReport) {
  fs::create_directories(root() / "m");
  ASSERT_TRUE(watch(root() / "m", WatcherOptions{.debounce = 100ms, .max_delay = 300ms}));
  const Clock::time_point start = Clock::now();
  write_file(root() / "m/a.sql", "-- a\n");   // a change...
  std::ofstream busy(root() / "m/busy.sql");  // ...then a writer that never pauses
  for (int i = 0; i < 40 && m_events.empty(); ++i) {
    busy << "x" << std::flush;
    run_for(20ms);
  }
  ASSERT_EQ(m_events.size(), 1U);
  EXPECT_LT(m_times[0] - start, 700ms);
}

TEST_F(DirectoryWatcherTest, ConfigMapDataSymlinkSwapIsReported) {
  const fs::path volume = make_configmap_volume();
  ASSERT_TRUE(watch(volume));
  // kubelet's update: a new timestamped dir, a new link beside ..data, then the atomic swap.
  fs::create_directories(volume / "..2026_11_23_12_05_00.456");
  write_file(volume / "..2026_11_23_12_05_00.456/x.sql", "-- v2\n");
  fs::create_directory_symlink("..2026_11_23_12_05_00.456", volume / "..data_tmp");
  run_for(k_debounce + k_quiet);
  EXPECT_TRUE(m_events.empty()) << "only the swap of ..data itself counts";
  fs::rename(volume / "..data_tmp", volume / "..data");
  fs::remove_all(volume / "..2026_11_23_12_00_00.123");
  ASSERT_TRUE(wait_for_events(1));
  run_for(k_quiet);
  EXPECT_EQ(m_events, std::vector{k_changed});
  EXPECT_EQ(test::read_file(volume / "x.sql"), "-- v2\n");
}

TEST_F(DirectoryWatcherTest, ConfigMapKeyAddedAsSymlinkIsReported) {
  const fs::path volume = make_configmap_volume();
  ASSERT_TRUE(watch(volume));
  write_file(volume / "..data/y.sql", "-- y\n");  // inside the dotted data dir: not watched
  run_for(k_quiet);
  EXPECT_TRUE(m_events.empty());
  fs::create_symlink("..data/y.sql", volume / "y.sql");
  ASSERT_TRUE(wait_for_events(1));
  EXPECT_EQ(m_events, std::vector{k_changed});
}

TEST_F(DirectoryWatcherTest, CapistranoRepointFollowsTheNewRelease) {
  const fs::path app = make_capistrano_app();
  ASSERT_TRUE(watch(app / "current/migrations"));
  EXPECT_EQ(m_watcher->resolved_path(), (app / "releases/20261122/migrations").string());
  repoint_symlink("releases/20261123", app / "current");
  ASSERT_TRUE(wait_for_events(1));
  EXPECT_EQ(m_events, std::vector{k_changed});
  EXPECT_EQ(m_watcher->resolved_path(), (app / "releases/20261123/migrations").string());

  write_file(app / "releases/20261122/migrations/late.sql", "-- old release\n");
  run_for(k_debounce + k_quiet);
  EXPECT_EQ(m_events.size(), 1U) << "the old release is no longer watched";

  write_file(app / "releases/20261123/migrations/b.sql", "-- new release\n");
  ASSERT_TRUE(wait_for_events(2)) << "the new release must be watched";
  EXPECT_EQ(m_events, (std::vector{k_changed, k_changed}));
}

TEST_F(DirectoryWatcherTest, ForceCheckMovesTheWatchBeforeAnyEventIsRead) {
  const fs::path app = make_capistrano_app();
  ASSERT_TRUE(watch(app / "current/migrations"));
  repoint_symlink("releases/20261123", app / "current");
  m_watcher->force_check();  // the loop has not run: only force_check can know
  EXPECT_EQ(m_watcher->resolved_path(), (app / "releases/20261123/migrations").string());
  ASSERT_TRUE(wait_for_events(1));
  run_for(k_quiet);
  EXPECT_EQ(m_events, std::vector{k_changed}) << "the event and the check make one report";
}

TEST_F(DirectoryWatcherTest, ForceCheckWithNothingChangedReportsNothing) {
  fs::create_directories(root() / "m");
  ASSERT_TRUE(watch(root() / "m"));
  m_watcher->force_check();
  m_watcher->force_check();
  run_for(k_debounce + k_quiet);
  EXPECT_TRUE(m_events.empty());
}

TEST_F(DirectoryWatcherTest, RemovedDirectoryIsMissingAndRecreatedIsChanged) {
  fs::create_directories(root() / "m");
  write_file(root() / "m/a.sql", "-- a\n");
  ASSERT_TRUE(watch(root() / "m"));
  fs::remove_all(root() / "m");
  ASSERT_TRUE(wait_for_events(1));
  EXPECT_EQ(m_events, std::vector{k_missing});
  EXPECT_EQ(m_watcher->resolved_path(), "");
  EXPECT_NE(m_watcher->problem(), "");

  fs::create_directories(root() / "m");
  ASSERT_TRUE(wait_for_events(2));
  EXPECT_EQ(m_events, (std::vector{k_missing, k_changed}));
  EXPECT_EQ(m_watcher->resolved_path(), (root() / "m").string());

  write_file(root() / "m/b.sql", "-- b\n");
  ASSERT_TRUE(wait_for_events(3)) << "the recreated directory must be watched";
}

TEST_F(DirectoryWatcherTest, MissingAtStartIsReportedAndItsCreationIsSeen) {
  const fs::path path = root() / "deploy/app/migrations";
  ASSERT_TRUE(watch(path));
  EXPECT_EQ(m_watcher->resolved_path(), "");
  ASSERT_TRUE(wait_for_events(1));
  run_for(k_quiet);
  EXPECT_EQ(m_events, std::vector{k_missing}) << "missing is reported once, not per re-check";

  fs::create_directories(path);
  ASSERT_TRUE(wait_for_events(2));
  EXPECT_EQ(m_events, (std::vector{k_missing, k_changed}));
  EXPECT_EQ(m_watcher->resolved_path(), path.string());
}

TEST_F(DirectoryWatcherTest, StoppedWatcherMakesNoCallbacks) {
  fs::create_directories(root() / "m");
  ASSERT_TRUE(watch(root() / "m", WatcherOptions{.debounce = 100ms}));
  write_file(root() / "m/a.sql", "-- a\n");
  run_for(20ms);  // the event is read and a report is pending
  m_watcher->stop();
  m_watcher->stop();
  write_file(root() / "m/b.sql", "-- b\n");
  m_watcher->force_check();
  run_for(100ms + k_quiet);
  EXPECT_TRUE(m_events.empty());
  EXPECT_EQ(m_watcher->problem(), "stopped");
  EXPECT_FALSE(m_watcher->start().ok()) << "a stopped watcher does not restart";
}

TEST_F(DirectoryWatcherTest, WatcherDestroyedInsideItsCallbackIsSafe) {
  fs::create_directories(root() / "m");
  m_watcher = std::make_unique<DirectoryWatcher>(m_io, (root() / "m").string(), k_debounce,
                                                 [this](WatchEvent event) {
                                                   m_events.push_back(event);
                                                   m_watcher.reset();
                                                 });
  ASSERT_TRUE(m_watcher->start().ok());
  write_file(root() / "m/a.sql", "-- a\n");
  ASSERT_TRUE(wait_for_events(1));
  EXPECT_EQ(m_watcher, nullptr);
  write_file(root() / "m/b.sql", "-- b\n");
  run_for(k_debounce + k_quiet);
  EXPECT_EQ(m_events.size(), 1U);
}

TEST_F(DirectoryWatcherTest, SecondStartIsAnError) {
  fs::create_directories(root() / "m");
  ASSERT_TRUE(watch(root() / "m"));
  const core::Result<void> again = m_watcher->start();
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().kind, core::ErrorKind::usage);
}

TEST_F(DirectoryWatcherTest, QueueOverflowIsReportedAsAChange) {
  int max_queued = 0;
  std::ifstream("/proc/sys/fs/inotify/max_queued_events") >> max_queued;
  if (max_queued <= 0 || max_queued > 100'000) GTEST_SKIP() << "queue too large to overflow";
  fs::create_directories(root() / "m");
  ASSERT_TRUE(watch(root() / "m"));
  // Ignored names only: without overflow handling nothing would be reported. Each open and
  // close queues one IN_CLOSE_WRITE (alternating names, so the kernel cannot merge them);
  // the loop does not run until the queue is full.
  const std::string names[2] = {(root() / "m/.drop-a").string(), (root() / "m/.drop-b").string()};
  for (int i = 0; i < max_queued + 100; ++i) {
    const int fd = ::open(names[i % 2].c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    ASSERT_GE(fd, 0);
    ::close(fd);
  }
  ASSERT_TRUE(wait_for_events(1));
  EXPECT_EQ(m_events, std::vector{k_changed});
}

}  // namespace
}  // namespace magent::daemon
