#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace magent::core {

// `items` with `separator` between them ("a, b, c" by default); "" for none.
std::string join(const std::vector<std::string>& items, std::string_view separator = ", ");

}  // namespace magent::core
