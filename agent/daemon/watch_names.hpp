#pragma once

#include <string_view>

namespace magent::daemon {

// The symlink Kubernetes renames over the old one when a ConfigMap or Secret volume changes;
// every key's file points through it, so its swap is the only event such an update makes.
inline constexpr std::string_view k_configmap_data_link = "..data";

// True for names whose appearance or change cannot alter a migrations scan: dotfiles (except
// `..data`), editor swap, lock, backup and probe files (`.x.swp`, `.#x`, `#x#`, `x~`, vim's
// `4913`, JetBrains' safe-write temporaries). Unknown names are never ignored.
bool is_ignored_name(std::string_view name);

}  // namespace magent::daemon
