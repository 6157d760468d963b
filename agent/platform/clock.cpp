#include "agent/platform/clock.hpp"

#include <thread>

namespace magent::platform {

SystemClock::SystemClock() : m_random(std::random_device{}()) {}

Clock::SteadyTime SystemClock::now() {
  return std::chrono::steady_clock::now();
}

Clock::WallTime SystemClock::wall_now() {
  return std::chrono::system_clock::now();
}

void SystemClock::sleep_for(std::chrono::milliseconds duration) {
  if (duration.count() > 0) std::this_thread::sleep_for(duration);
}

double SystemClock::random_unit() {
  std::lock_guard<std::mutex> lock(m_mutex);
  return std::uniform_real_distribution<double>(0.0, 1.0)(m_random);
}

Clock& system_clock() {
  static SystemClock clock;
  return clock;
}

}  // namespace magent::platform
