#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace magent::daemon {

// One record read from an inotify descriptor, copied out of the kernel's packed layout.
struct InotifyEvent {
  int wd = 0;              // watch descriptor; -1 for IN_Q_OVERFLOW
  std::uint32_t mask = 0;  // IN_* bits
  std::uint32_t cookie = 0;
  std::string name;  // entry name inside the watched directory; "" for the directory itself
};

// Splits bytes returned by read(2) on an inotify descriptor into events. Never reads past
// `bytes`: a truncated trailing record is dropped.
std::vector<InotifyEvent> parse_inotify_events(std::span<const char> bytes);

}  // namespace magent::daemon
