#include "tests/support/process.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <thread>

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace magent::test {
namespace {

// Builds the child's environment: ours, minus unset_env, plus env.
std::vector<std::string> child_environment(const ProcessOptions& options) {
  std::map<std::string, std::string> merged;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry(*e);
    auto eq = entry.find('=');
    if (eq != std::string::npos) merged[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  for (const auto& name : options.unset_env) merged.erase(name);
  for (const auto& [name, value] : options.env) merged[name] = value;
  std::vector<std::string> out;
  for (const auto& [name, value] : merged) out.push_back(name + "=" + value);
  return out;
}

void set_nonblocking(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

// Reads what is available from fd into sink; returns false on EOF.
bool read_available(int fd, std::string& sink) {
  char buffer[65536];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n > 0) {
      sink.append(buffer, static_cast<std::size_t>(n));
      continue;
    }
    if (n == 0) return false;
    if (errno == EINTR) continue;
    return true;  // EAGAIN: nothing more for now
  }
}

pid_t spawn(const std::vector<std::string>& argv, const ProcessOptions& options, int& in_fd,
            int& out_fd, int& err_fd) {
  int in_pipe[2], out_pipe[2], err_pipe[2];
  if (pipe2(in_pipe, O_CLOEXEC) != 0 || pipe2(out_pipe, O_CLOEXEC) != 0 ||
      pipe2(err_pipe, O_CLOEXEC) != 0) {
    throw std::runtime_error("pipe failed");
  }
  std::vector<std::string> env = child_environment(options);
  std::vector<char*> env_ptrs;
  for (auto& e : env) env_ptrs.push_back(e.data());
  env_ptrs.push_back(nullptr);
  std::vector<std::string> args = argv;
  std::vector<char*> arg_ptrs;
  for (auto& a : args) arg_ptrs.push_back(a.data());
  arg_ptrs.push_back(nullptr);

  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    dup2(in_pipe[0], 0);
    dup2(out_pipe[1], 1);
    dup2(err_pipe[1], 2);
    setpgid(0, 0);
    if (!options.cwd.empty() && chdir(options.cwd.c_str()) != 0) _exit(127);
    execve(arg_ptrs[0], arg_ptrs.data(), env_ptrs.data());
    _exit(127);
  }
  close(in_pipe[0]);
  close(out_pipe[1]);
  close(err_pipe[1]);
  in_fd = in_pipe[1];
  out_fd = out_pipe[0];
  err_fd = err_pipe[0];
  set_nonblocking(out_fd);
  set_nonblocking(err_fd);
  return pid;
}

void write_input(int in_fd, const std::string& input) {
  std::size_t written = 0;
  while (written < input.size()) {
    ssize_t n = ::write(in_fd, input.data() + written, input.size() - written);
    if (n <= 0) break;
    written += static_cast<std::size_t>(n);
  }
  close(in_fd);
}

void fill_status(ProcessResult& result, int status) {
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
}

}  // namespace

ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options) {
  int in_fd, out_fd, err_fd;
  ::signal(SIGPIPE, SIG_IGN);
  pid_t pid = spawn(argv, options, in_fd, out_fd, err_fd);
  write_input(in_fd, options.input);

  ProcessResult result;
  auto deadline = std::chrono::steady_clock::now() + options.timeout;
  bool out_open = true, err_open = true;
  while (out_open || err_open) {
    pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      kill(-pid, SIGKILL);
      kill(pid, SIGKILL);
      break;
    }
    poll(fds, 2, static_cast<int>(std::min<long>(left.count(), 200)));
    if (out_open) out_open = read_available(out_fd, result.out);
    if (err_open) err_open = read_available(err_fd, result.err);
  }
  close(out_fd);
  close(err_fd);
  int status = 0;
  waitpid(pid, &status, 0);
  fill_status(result, status);
  return result;
}

BackgroundProcess::BackgroundProcess(const std::vector<std::string>& argv,
                                     const ProcessOptions& options) {
  int in_fd;
  ::signal(SIGPIPE, SIG_IGN);
  m_pid = spawn(argv, options, in_fd, m_out_fd, m_err_fd);
  write_input(in_fd, options.input);
}

BackgroundProcess::~BackgroundProcess() {
  if (!m_reaped) {
    kill(-m_pid, SIGKILL);
    kill(m_pid, SIGKILL);
    waitpid(m_pid, &m_status, 0);
  }
  close(m_out_fd);
  close(m_err_fd);
}

bool BackgroundProcess::signal(int signo) const { return !m_reaped && kill(m_pid, signo) == 0; }

void BackgroundProcess::drain(bool block_until_eof) {
  bool out_open = true, err_open = true;
  do {
    if (block_until_eof) {
      pollfd fds[2] = {{m_out_fd, POLLIN, 0}, {m_err_fd, POLLIN, 0}};
      poll(fds, 2, 100);
    }
    if (out_open) out_open = read_available(m_out_fd, m_out);
    if (err_open) err_open = read_available(m_err_fd, m_err);
  } while (block_until_eof && (out_open || err_open));
}

std::string BackgroundProcess::output_so_far() {
  drain(false);
  return m_out;
}

std::string BackgroundProcess::errors_so_far() {
  drain(false);
  return m_err;
}

bool BackgroundProcess::running() {
  if (m_reaped) return false;
  if (waitpid(m_pid, &m_status, WNOHANG) == m_pid) m_reaped = true;
  return !m_reaped;
}

ProcessResult BackgroundProcess::wait(std::chrono::milliseconds timeout) {
  ProcessResult result;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (running()) {
    drain(false);
    if (std::chrono::steady_clock::now() >= deadline) {
      result.timed_out = true;
      kill(-m_pid, SIGKILL);
      kill(m_pid, SIGKILL);
      waitpid(m_pid, &m_status, 0);
      m_reaped = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  // The process group may still hold the pipes (a runner's children); read what is there.
  drain(false);
  result.out = m_out;
  result.err = m_err;
  fill_status(result, m_status);
  return result;
}

std::string agent_binary() { return MAGENT_AGENT_BIN; }
std::string ctl_binary() { return MAGENT_CTL_BIN; }
std::string source_dir() { return MAGENT_SOURCE_DIR; }

}  // namespace magent::test
