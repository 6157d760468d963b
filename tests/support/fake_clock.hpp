#pragma once

#include <chrono>
#include <functional>
#include <vector>

#include "agent/platform/clock.hpp"

namespace magent::test {

// A Clock that never waits: sleep_for advances time and records the request, random_unit
// returns a fixed value (0.5 = no jitter). `on_sleep` runs after each sleep, so a test can
// change the world (release a lock) at a chosen point.
class FakeClock final : public platform::Clock {
 public:
  SteadyTime now() override { return m_steady; }
  WallTime wall_now() override { return m_wall; }
  void sleep_for(std::chrono::milliseconds duration) override {
    m_sleeps.push_back(duration);
    advance(duration);
    if (on_sleep) on_sleep(m_sleeps.size());
  }
  double random_unit() override { return random_value; }

  // Moves both clocks forward.
  void advance(std::chrono::milliseconds duration) {
    m_steady += duration;
    m_wall += duration;
  }
  // Every sleep_for request so far, in order.
  const std::vector<std::chrono::milliseconds>& sleeps() const { return m_sleeps; }
  std::chrono::milliseconds total_slept() const {
    std::chrono::milliseconds total{0};
    for (auto s : m_sleeps) total += s;
    return total;
  }

  double random_value = 0.5;
  std::function<void(std::size_t sleeps_so_far)> on_sleep;

 private:
  SteadyTime m_steady{std::chrono::hours(1)};
  WallTime m_wall{std::chrono::sys_days{std::chrono::year{2026} / 11 / 23}};
  std::vector<std::chrono::milliseconds> m_sleeps;
};

}  // namespace magent::test
