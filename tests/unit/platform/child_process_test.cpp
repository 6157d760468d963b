#include "agent/platform/child_process.hpp"

#include <atomic>
#include <chrono>
#include <csignal>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/support/temp_dir.hpp"

namespace magent::platform {
namespace {

using namespace std::chrono_literals;

ChildCommand shell(const std::string& script) {
  ChildCommand c;
  c.argv = {"/bin/sh", "-c", script};
  c.timeout = 20s;
  return c;
}

bool process_alive(pid_t pid) {
  if (kill(pid, 0) != 0) return false;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(stat, line);
  const auto close = line.rfind(')');
  return close == std::string::npos || line.substr(close + 2, 1) != "Z";
}

pid_t read_pid(const std::filesystem::path& file) {
  std::ifstream in(file);
  pid_t pid = 0;
  in >> pid;
  return pid;
}

TEST(ChildProcess, StreamsEachLineInWriteOrderAndReportsTheExitStatus) {
  ChildCommand c =
      shell("echo one; echo two >&2; echo three; echo four >&2; printf 'five'; exit 3");
  std::vector<std::string> lines;
  c.on_line = [&](std::string_view line) { lines.emplace_back(line); };
  auto r = run_child(c);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_FALSE(r->succeeded());
  EXPECT_EQ(r->describe(), "exited with status 3");
  // stdout and stderr interleaved exactly as written (one pipe, as `2>&1`).
  EXPECT_EQ(lines, (std::vector<std::string>{"one", "two", "three", "four", "five"}));
  EXPECT_EQ(r->output_tail, "one\ntwo\nthree\nfour\nfive");
}

TEST(ChildProcess, PassesExtraEnvironmentAndWorkingDirectory) {
  test::TempDir dir;
  ChildCommand c = shell("echo \"$MAGENT_X:$(pwd)\"");
  c.env["MAGENT_X"] = "it's here";
  c.working_dir = dir.path().string();
  auto r = run_child(c);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->exit_code, 0);
  EXPECT_EQ(r->output_tail, "it's here:" + std::filesystem::canonical(dir.path()).string() + "\n");
}

TEST(ChildProcess, KeepsOnlyTheTailOfLongOutput) {
  ChildCommand c = shell("i=0; while [ $i -lt 2000 ]; do echo line$i; i=$((i+1)); done");
  c.tail_bytes = 100;
  auto r = run_child(c);
  ASSERT_TRUE(r.ok());
  EXPECT_LE(r->output_tail.size(), 100U);
  EXPECT_NE(r->output_tail.find("line1999\n"), std::string::npos) << r->output_tail;
}

TEST(ChildProcess, AMissingProgramExits127WithAMessage) {
  ChildCommand c;
  c.argv = {"/nonexistent/runner"};
  auto r = run_child(c);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->exit_code, 127);
  EXPECT_NE(r->output_tail.find("cannot execute /nonexistent/runner"), std::string::npos);
}

TEST(ChildProcess, TimeoutKillsTheWholeProcessGroup) {
  test::TempDir dir;
  const auto pid_file = dir.path() / "grandchild";
  ChildCommand c = shell("sleep 30 & echo $! > '" + pid_file.string() + "'; echo started; wait");
  c.timeout = 500ms;
  const auto start = std::chrono::steady_clock::now();
  auto r = run_child(c);
  ASSERT_TRUE(r.ok());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  EXPECT_TRUE(r->timed_out);
  EXPECT_FALSE(r->succeeded());
  EXPECT_NE(r->describe().find("timed out"), std::string::npos);
  EXPECT_EQ(r->output_tail, "started\n");
  const pid_t grandchild = read_pid(pid_file);
  ASSERT_GT(grandchild, 0);
  for (int i = 0; i < 50 && process_alive(grandchild); ++i) std::this_thread::sleep_for(20ms);
  EXPECT_FALSE(process_alive(grandchild)) << "the runner's own child survived the timeout";
}

TEST(ChildProcess, AChildIgnoringSigtermIsKilledAfterTheGrace) {
  ChildCommand c = shell("trap '' TERM; echo ready; while :; do sleep 0.05; done");
  c.timeout = 300ms;
  c.kill_grace = 300ms;
  const auto start = std::chrono::steady_clock::now();
  auto r = run_child(c);
  ASSERT_TRUE(r.ok());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  EXPECT_TRUE(r->timed_out);
  EXPECT_EQ(r->signal, SIGKILL);
}

TEST(ChildProcess, ABackgroundGrandchildHoldingThePipesDoesNotHangTheCall) {
  ChildCommand c = shell("sleep 30 & echo done");
  const auto start = std::chrono::steady_clock::now();
  auto r = run_child(c);
  ASSERT_TRUE(r.ok());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  EXPECT_EQ(r->exit_code, 0);
  EXPECT_EQ(r->output_tail, "done\n");
}

// In a child process that adopts orphans (a subreaper, as PID 1 does), one thread reaps
// orphans continuously while another runs commands that leave orphans behind: every
// command's own exit status still arrives, and no zombie is left.
TEST(ChildProcess, OrphanReapingNeverStealsTheRunnersOwnChild) {
  const pid_t helper = fork();
  ASSERT_GE(helper, 0);
  if (helper == 0) {
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    std::atomic<bool> done{false};
    std::atomic<int> reaped{0};
    std::thread reaper([&] {
      while (!done) {
        reaped += reap_orphans();
        std::this_thread::sleep_for(1ms);
      }
    });
    int bad = 0;
    for (int i = 0; i < 30; ++i) {
      auto r = run_child(shell("(sleep 0.01 &) ; (true &) ; exit 7"));
      if (!r.ok() || r->exit_code != 7) ++bad;
    }
    std::this_thread::sleep_for(300ms);  // the last orphans exit and are reaped
    done = true;
    reaper.join();
    reaped += reap_orphans();
    siginfo_t info{};
    const bool zombie_left =
        waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid != 0;
    _exit(bad != 0 ? 1 : zombie_left ? 2 : reaped.load() < 30 ? 3 : 0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(helper, &status, 0), helper);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "1: a runner status was stolen or wrong; 2: a zombie "
                                       "was left; 3: orphans were not reaped";
}

}  // namespace
}  // namespace magent::platform
