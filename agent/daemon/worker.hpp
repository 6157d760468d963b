#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace magent::daemon {

// One background thread that runs database work in order, so that the event loop never
// blocks on a database and mutations are serialized with the daemon's own checks.
class Worker {
 public:
  Worker();
  ~Worker();  // stop() and join
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Queues a job; jobs run one at a time, in order. Ignored after stop().
  void post(std::function<void()> job);
  // Jobs queued but not started.
  std::size_t queued() const;
  // Drops queued jobs and asks the thread to end after the current job.
  void stop();
  // Waits up to `timeout` for the current job to finish after stop(); true when it did.
  bool wait_stopped(std::chrono::milliseconds timeout);

 private:
  void loop();

  mutable std::mutex m_mutex;
  std::condition_variable m_wake;
  std::condition_variable m_done;
  std::deque<std::function<void()>> m_jobs;
  bool m_stopping = false;
  bool m_finished = false;
  std::thread m_thread;
};

}  // namespace magent::daemon
