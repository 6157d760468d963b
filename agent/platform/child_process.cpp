#include "agent/platform/child_process.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <mutex>
#include <set>

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace magent::platform {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Children that a run_child() call is waiting for. Held across fork() and registration, and
// across every orphan peek-and-reap, so a child can never be reaped by the wrong party.
std::mutex& children_mutex() {
  static std::mutex mutex;
  return mutex;
}
std::set<pid_t>& tracked_children() {
  static std::set<pid_t> children;
  return children;
}

// argv / envp as the C arrays execve wants; built before fork (no allocation after it).
struct ExecArrays {
  std::vector<std::string> env_strings;
  std::vector<char*> argv;
  std::vector<char*> envp;
};

ExecArrays exec_arrays(const ChildCommand& command) {
  ExecArrays a;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string_view entry(*e);
    const std::string name(entry.substr(0, entry.find('=')));
    if (command.env.count(name) == 0) a.env_strings.emplace_back(entry);
  }
  for (const auto& [name, value] : command.env) a.env_strings.push_back(name + "=" + value);
  for (const auto& arg : command.argv) a.argv.push_back(const_cast<char*>(arg.c_str()));
  a.argv.push_back(nullptr);
  for (auto& s : a.env_strings) a.envp.push_back(s.data());
  a.envp.push_back(nullptr);
  return a;
}

// In the child between fork and exec: async-signal-safe calls only.
[[noreturn]] void exec_child(const ExecArrays& a, const char* working_dir, int devnull, int out,
                             pid_t parent) {
  setpgid(0, 0);
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (getppid() != parent) _exit(126);  // the agent died before prctl took effect
  dup2(devnull, STDIN_FILENO);
  dup2(out, STDOUT_FILENO);
  dup2(out, STDERR_FILENO);
  if (close_range(3, ~0U, 0) != 0) {
    for (int fd = 3; fd < 65536; ++fd) close(fd);
  }
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int signo : {SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGCHLD, SIGQUIT}) {
    sigaction(signo, &dfl, nullptr);
  }
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  auto say = [](const char* text) { (void)!write(STDERR_FILENO, text, strlen(text)); };
  if (working_dir != nullptr && chdir(working_dir) != 0) {
    say("migration-agent: cannot change to the runner's working_dir: ");
    say(strerror(errno));
    say("\n");
    _exit(127);
  }
  execve(a.argv[0], a.argv.data(), a.envp.data());
  say("migration-agent: cannot execute ");
  say(a.argv[0]);
  say(": ");
  say(strerror(errno));
  say("\n");
  _exit(127);
}

// The child's output pipe (stdout and stderr both), split into lines as it arrives.
struct Pipe {
  int fd = -1;
  std::string partial;
};

class OutputCollector {
 public:
  explicit OutputCollector(const ChildCommand& command) : m_command(command) {}

  void take(Pipe& pipe, std::string_view bytes) {
    m_tail.append(bytes);
    if (m_tail.size() > 2 * m_command.tail_bytes + 4096) {
      m_tail.erase(0, m_tail.size() - m_command.tail_bytes - 4096);
    }
    pipe.partial.append(bytes);
    std::size_t start = 0;
    for (std::size_t nl = pipe.partial.find('\n'); nl != std::string::npos;
         nl = pipe.partial.find('\n', start)) {
      emit(std::string_view(pipe.partial).substr(start, nl - start));
      start = nl + 1;
    }
    pipe.partial.erase(0, start);
  }
  void finish(Pipe& pipe) {
    if (!pipe.partial.empty()) emit(pipe.partial);
    pipe.partial.clear();
  }
  std::string tail() const {
    if (m_tail.size() <= m_command.tail_bytes) return m_tail;
    std::size_t cut = m_tail.size() - m_command.tail_bytes;
    while (cut < m_tail.size() && (static_cast<unsigned char>(m_tail[cut]) & 0xC0U) == 0x80U) ++cut;
    return m_tail.substr(cut);
  }

 private:
  void emit(std::string_view line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (m_command.on_line) m_command.on_line(line);
  }
  const ChildCommand& m_command;
  std::string m_tail;
};

// Reads what is available on the pipe, waiting at most `wait`.
void pump(Pipe& pipe, OutputCollector& output, milliseconds wait) {
  if (pipe.fd < 0) {
    poll(nullptr, 0, static_cast<int>(wait.count()));
    return;
  }
  pollfd fd{pipe.fd, POLLIN, 0};
  if (poll(&fd, 1, static_cast<int>(wait.count())) <= 0) return;
  if ((fd.revents & (POLLIN | POLLHUP | POLLERR)) == 0) return;
  char buffer[8192];
  const ssize_t n = read(pipe.fd, buffer, sizeof buffer);
  if (n > 0) {
    output.take(pipe, std::string_view(buffer, static_cast<std::size_t>(n)));
  } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
    output.finish(pipe);
    close(pipe.fd);
    pipe.fd = -1;
  }
}

milliseconds until(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
  return std::clamp(left, milliseconds(0), milliseconds(100));
}

}  // namespace

std::string ChildOutcome::describe() const {
  std::string text;
  if (timed_out) {
    text = "timed out after " + std::to_string(duration.count() / 1000) + " s and was killed";
    if (signal != 0) text += " (signal " + std::to_string(signal) + ")";
    return text;
  }
  if (signal != 0) return "was killed by signal " + std::to_string(signal);
  return "exited with status " + std::to_string(exit_code);
}

bool is_init_process() {
  return getpid() == 1;
}

int reap_orphans() {
  std::lock_guard lock(children_mutex());
  int reaped = 0;
  for (;;) {
    siginfo_t info{};
    info.si_pid = 0;
    if (waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) != 0 || info.si_pid == 0) break;
    // A tracked child's status belongs to its run_child(), which reaps it shortly.
    if (tracked_children().count(info.si_pid) != 0) break;
    if (waitpid(info.si_pid, nullptr, WNOHANG) > 0) ++reaped;
  }
  return reaped;
}

core::Result<ChildOutcome> run_child(const ChildCommand& command) {
  if (command.argv.empty()) return core::make_error(core::ErrorKind::io, "empty command");
  ExecArrays arrays = exec_arrays(command);
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) {
    return core::make_error(core::ErrorKind::io, std::string("pipe: ") + strerror(errno));
  }
  const int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
  const pid_t parent = getpid();
  const char* working_dir = command.working_dir.empty() ? nullptr : command.working_dir.c_str();
  const auto started = Clock::now();
  pid_t pid = -1;
  {
    std::lock_guard lock(children_mutex());
    pid = fork();
    if (pid == 0) exec_child(arrays, working_dir, devnull, out[1], parent);
    if (pid > 0) {
      setpgid(pid, pid);  // also here, so kill(-pid) works whoever runs first
      tracked_children().insert(pid);
    }
  }
  const int fork_errno = errno;
  close(out[1]);
  if (devnull >= 0) close(devnull);
  if (pid < 0) {
    close(out[0]);
    return core::make_error(core::ErrorKind::io, std::string("fork: ") + strerror(fork_errno));
  }

  OutputCollector output(command);
  Pipe pipe{out[0], {}};
  ChildOutcome outcome;
  const auto deadline = started + command.timeout;
  Clock::time_point kill_at{};
  Clock::time_point reaped_at{};
  bool reaped = false, killed = false;
  int status = 0;
  for (;;) {
    const bool pipe_open = pipe.fd >= 0;
    if (reaped && !pipe_open) break;
    pump(pipe, output, reaped ? milliseconds(50) : until(outcome.timed_out ? kill_at : deadline));
    if (!reaped && waitpid(pid, &status, WNOHANG) == pid) {
      reaped = true;
      reaped_at = Clock::now();
    }
    if (is_init_process()) reap_orphans();
    const auto now = Clock::now();
    if (!reaped && !outcome.timed_out && now >= deadline) {
      outcome.timed_out = true;
      kill(-pid, SIGTERM);
      kill_at = now + command.kill_grace;
    } else if (!reaped && outcome.timed_out && !killed && now >= kill_at) {
      kill(-pid, SIGKILL);
      killed = true;
    }
    // The child is gone but something it started still holds the pipe: end the group.
    if (reaped && pipe_open && now - reaped_at > milliseconds(1'000)) {
      kill(-pid, SIGKILL);
      output.finish(pipe);
      close(pipe.fd);
      pipe.fd = -1;
    }
  }
  if (!reaped) {
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  if (outcome.timed_out) kill(-pid, SIGKILL);  // anything of the group that ignored SIGTERM
  {
    std::lock_guard lock(children_mutex());
    tracked_children().erase(pid);
  }
  outcome.duration = std::chrono::duration_cast<milliseconds>(Clock::now() - started);
  if (WIFEXITED(status)) outcome.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) outcome.signal = WTERMSIG(status);
  outcome.output_tail = output.tail();
  return outcome;
}

}  // namespace magent::platform
