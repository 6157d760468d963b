#pragma once

#include <chrono>
#include <thread>

namespace magent::test {

// Polls `condition` every `interval` until it holds (true) or `timeout` passes (false).
// Tests wait on what they can observe instead of sleeping a fixed time; the timeout is a
// generous upper bound that only a failing or badly overloaded run reaches.
template <typename Condition>
bool eventually(Condition&& condition, std::chrono::milliseconds timeout,
                std::chrono::milliseconds interval = std::chrono::milliseconds(25)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(interval);
  }
}

}  // namespace magent::test
