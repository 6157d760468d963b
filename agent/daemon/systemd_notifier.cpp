#include "agent/daemon/systemd_notifier.hpp"

#include <systemd/sd-daemon.h>

namespace magent::daemon {

void SystemdNotifier::send(const std::string& message) {
  (void)sd_notify(0, message.c_str());  // unset NOTIFY_SOCKET: returns 0, nothing sent
}

void SystemdNotifier::ready(const std::string& status) {
  m_last_status = status;
  send("READY=1\nSTATUS=" + status);
}

void SystemdNotifier::status(const std::string& status) {
  if (status == m_last_status) return;
  m_last_status = status;
  send("STATUS=" + status);
}

void SystemdNotifier::watchdog() { send("WATCHDOG=1"); }

void SystemdNotifier::stopping() { send("STOPPING=1\nSTATUS=stopping"); }

std::optional<std::chrono::milliseconds> SystemdNotifier::watchdog_interval() const {
  std::uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return std::nullopt;
  return std::chrono::milliseconds(usec / 2000);
}

}  // namespace magent::daemon
