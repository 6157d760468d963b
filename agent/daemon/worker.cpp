#include "agent/daemon/worker.hpp"

#include <exception>

#include <spdlog/spdlog.h>

namespace magent::daemon {

Worker::Worker() : m_thread([this] { loop(); }) {}

Worker::~Worker() {
  stop();
  if (m_thread.joinable()) m_thread.join();
}

void Worker::post(std::function<void()> job) {
  {
    std::lock_guard lock(m_mutex);
    if (m_stopping) return;
    m_jobs.push_back(std::move(job));
  }
  m_wake.notify_one();
}

std::size_t Worker::queued() const {
  std::lock_guard lock(m_mutex);
  return m_jobs.size();
}

void Worker::stop() {
  {
    std::lock_guard lock(m_mutex);
    m_stopping = true;
    m_jobs.clear();
  }
  m_wake.notify_one();
}

bool Worker::wait_stopped(std::chrono::milliseconds timeout) {
  std::unique_lock lock(m_mutex);
  return m_done.wait_for(lock, timeout, [this] { return m_finished; });
}

void Worker::loop() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock lock(m_mutex);
      m_wake.wait(lock, [this] { return m_stopping || !m_jobs.empty(); });
      if (m_jobs.empty()) break;  // stopping and nothing left
      job = std::move(m_jobs.front());
      m_jobs.pop_front();
    }
    try {
      job();
    } catch (const std::exception& e) {  // a bug; keep the daemon alive and say so
      spdlog::error("internal error in a background job: {}", e.what());
    }
  }
  {
    std::lock_guard lock(m_mutex);
    m_finished = true;
  }
  m_done.notify_all();
}

}  // namespace magent::daemon
