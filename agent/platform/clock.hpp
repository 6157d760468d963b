#pragma once

#include <chrono>
#include <mutex>
#include <random>

namespace magent::platform {

// Time and randomness as a small interface, so backoff, deadlines and timestamps can be
// tested without waiting (tests/support/fake_clock.hpp). Implementations are thread-safe.
class Clock {
 public:
  using SteadyTime = std::chrono::steady_clock::time_point;
  using WallTime = std::chrono::system_clock::time_point;

  virtual ~Clock() = default;

  // Monotonic time, for deadlines and durations.
  virtual SteadyTime now() = 0;
  // Wall-clock (UTC) time, for timestamps people read (ledger rows, logs).
  virtual WallTime wall_now() = 0;
  // Blocks the calling thread for `duration`; a fake clock just advances.
  virtual void sleep_for(std::chrono::milliseconds duration) = 0;
  // A uniformly distributed number in [0, 1), for jitter.
  virtual double random_unit() = 0;
};

// The real clock: std::chrono clocks, std::this_thread::sleep_for, a seeded PRNG.
class SystemClock final : public Clock {
 public:
  SystemClock();

  SteadyTime now() override;
  WallTime wall_now() override;
  void sleep_for(std::chrono::milliseconds duration) override;
  double random_unit() override;

 private:
  std::mutex m_mutex;  // guards m_random
  std::mt19937_64 m_random;
};

// The process-wide real clock.
Clock& system_clock();

}  // namespace magent::platform
