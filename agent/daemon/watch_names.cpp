#include "agent/daemon/watch_names.hpp"

#include <array>

namespace magent::daemon {
namespace {

// Suffixes editors leave beside the file they edit (vim swap files outside a dotfile name,
// JetBrains' "safe write" temporaries).
constexpr std::array<std::string_view, 5> k_dropping_suffixes = {".swp", ".swo", ".swx",
                                                                 "___jb_tmp___", "___jb_old___"};

}  // namespace

bool is_ignored_name(std::string_view name) {
  if (name.empty()) return false;
  if (name == k_configmap_data_link) return false;
  if (name.front() == '.') return true;  // dotfiles, .#lock, .x.swp, ..2026_.. ConfigMap dirs
  if (name.back() == '~') return true;   // backups
  if (name.size() >= 2 && name.front() == '#' && name.back() == '#') return true;  // autosave
  if (name == "4913") return true;  // vim's "can I write here?" probe
  for (std::string_view suffix : k_dropping_suffixes) {
    if (name.size() > suffix.size() && name.ends_with(suffix)) return true;
  }
  return false;
}

}  // namespace magent::daemon
