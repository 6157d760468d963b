#include "agent/daemon/inotify_events.hpp"

#include <sys/inotify.h>

#include <cstring>

namespace magent::daemon {

std::vector<InotifyEvent> parse_inotify_events(std::span<const char> bytes) {
  std::vector<InotifyEvent> events;
  std::size_t offset = 0;
  while (bytes.size() - offset >= sizeof(inotify_event)) {
    // memcpy: the buffer carries no alignment or type guarantee for a direct cast.
    inotify_event header{};
    std::memcpy(&header, bytes.data() + offset, sizeof header);
    const std::size_t name_start = offset + sizeof header;
    if (header.len > bytes.size() - name_start) break;  // truncated record
    InotifyEvent event;
    event.wd = header.wd;
    event.mask = header.mask;
    event.cookie = header.cookie;
    const char* name = bytes.data() + name_start;
    event.name.assign(name, ::strnlen(name, header.len));  // NUL-padded to `len`
    events.push_back(std::move(event));
    offset = name_start + header.len;
  }
  return events;
}

}  // namespace magent::daemon
