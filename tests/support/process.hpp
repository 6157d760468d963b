#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include <sys/types.h>

namespace magent::test {

// What a finished child process left behind.
struct ProcessResult {
  int exit_code = -1;  // -1 when killed by a signal or timed out
  int signal = 0;      // the terminating signal, if any
  bool timed_out = false;
  std::string out;
  std::string err;
};

// Options for a child process; `env` entries are added to (or, with an empty value and
// `unset`, removed from) the current environment.
struct ProcessOptions {
  std::map<std::string, std::string> env;
  std::vector<std::string> unset_env;
  std::string cwd;
  std::string input;
  std::chrono::milliseconds timeout{60'000};
};

// Runs argv[0] (a path) with arguments, waits for it, and captures stdout and stderr.
ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options = {});

// A child left running in the background (a daemon under test). Killed on destruction.
class BackgroundProcess {
 public:
  BackgroundProcess(const std::vector<std::string>& argv, const ProcessOptions& options = {});
  ~BackgroundProcess();
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;

  pid_t pid() const { return m_pid; }
  // Sends a signal; returns false when the process is already gone.
  bool signal(int signo) const;
  // Waits up to `timeout` for exit; the result holds everything it wrote.
  ProcessResult wait(std::chrono::milliseconds timeout);
  // Everything written to stdout / stderr so far (non-blocking).
  std::string output_so_far();
  std::string errors_so_far();
  bool running();

 private:
  void drain(bool block_until_eof);

  pid_t m_pid = -1;
  int m_out_fd = -1;
  int m_err_fd = -1;
  bool m_reaped = false;
  int m_status = 0;
  std::string m_out;
  std::string m_err;
};

// Path of the built migration-agent binary.
std::string agent_binary();
// Path of the built migrationctl binary.
std::string ctl_binary();
// Path of the source tree (for migrations/ and config/).
std::string source_dir();

}  // namespace magent::test
