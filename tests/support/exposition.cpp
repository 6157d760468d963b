#include "tests/support/exposition.hpp"

#include <cstdlib>
#include <filesystem>
#include <sstream>

namespace magent::test {
namespace {

std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const auto end = text.find('\n');
    lines.push_back(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return lines;
}

}  // namespace

std::optional<double> sample_value(std::string_view exposition, std::string_view series) {
  for (auto line : lines_of(exposition)) {
    if (line.size() > series.size() && line.substr(0, series.size()) == series &&
        line[series.size()] == ' ') {
      return std::stod(std::string(line.substr(series.size() + 1)));
    }
  }
  return std::nullopt;
}

std::vector<std::string> sample_lines(std::string_view exposition, std::string_view name) {
  std::vector<std::string> out;
  for (auto line : lines_of(exposition)) {
    if (line.empty() || line.front() == '#') continue;
    const auto end = line.find_first_of("{ ");
    if (line.substr(0, end) == name) out.emplace_back(line);
  }
  return out;
}

std::string promtool_path() {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path != nullptr ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const auto candidate = std::filesystem::path(dir.empty() ? "." : dir) / "promtool";
    std::error_code error;
    if (std::filesystem::is_regular_file(candidate, error)) return candidate.string();
  }
  return {};
}

}  // namespace magent::test
