#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "agent/core/result.hpp"

// Running one child command to completion (the [runner] of .py revisions): its own process
// group, output streamed line by line, a deadline enforced on the whole group, and an exit
// status that nobody else can steal, even when the agent is PID 1 and reaps orphans.
namespace magent::platform {

// What to run and how.
struct ChildCommand {
  std::vector<std::string> argv;                // argv[0] is a path (no PATH search)
  std::map<std::string, std::string> env;       // set on top of the agent's environment
  std::string working_dir;                      // "" = the agent's
  std::chrono::milliseconds timeout{600'000};   // then SIGTERM to the group
  std::chrono::milliseconds kill_grace{5'000};  // SIGTERM -> SIGKILL delay
  std::size_t tail_bytes = 2048;                // how much output to keep for the report
  // Called with each complete line (without its newline), from the calling thread. Standard
  // output and standard error share one pipe (as `2>&1` does), so lines keep the order the
  // child wrote them in: a traceback follows what was printed before it.
  std::function<void(std::string_view)> on_line;
};

// How a child ended.
struct ChildOutcome {
  int exit_code = -1;      // -1 when killed by a signal
  int signal = 0;          // the terminating signal, if any
  bool timed_out = false;  // the deadline passed and the group was killed
  std::chrono::milliseconds duration{0};
  std::string output_tail;  // the last tail_bytes of stdout and stderr, in write order

  bool succeeded() const { return exit_code == 0 && !timed_out; }
  // "exited with status 1", "killed by signal 9 after the 10 s timeout", ...
  std::string describe() const;
};

// Runs `command` in a new process group with stdin from /dev/null, every other descriptor
// closed, and PR_SET_PDEATHSIG so that it is told (SIGTERM) if the agent dies. Blocks until
// the child has been reaped. On timeout the whole group gets SIGTERM, then SIGKILL after
// kill_grace. Errors (ErrorKind::io) only when the child could not be started.
core::Result<ChildOutcome> run_child(const ChildCommand& command);

// True when this process is PID 1 (a container's init), which inherits every orphan.
bool is_init_process();

// Reaps exited children that no run_child() call is waiting for (orphans re-parented to
// PID 1), without ever touching a tracked child's status. Returns how many it reaped.
// Safe from any thread; a no-op when there is nothing to reap.
int reap_orphans();

}  // namespace magent::platform
