#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace magent::daemon {

// sd_notify for Type=notify units: READY=1, WATCHDOG=1, STATUS=..., STOPPING=1. A no-op when
// the process was not started by systemd (NOTIFY_SOCKET unset).
class SystemdNotifier {
 public:
  void ready(const std::string& status);
  void status(const std::string& status);
  void watchdog();
  void stopping();
  // Half of WATCHDOG_USEC when the unit has a watchdog for this process, else nullopt.
  std::optional<std::chrono::milliseconds> watchdog_interval() const;

 private:
  void send(const std::string& message);
  std::string m_last_status;
};

}  // namespace magent::daemon
