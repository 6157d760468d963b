#include "agent/core/revision_id.hpp"

namespace magent::core {
namespace {

bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// The characters of `text` that appear in `forbidden` (sorted by their order there), plus
// "whitespace" when any blank is present, joined like Alembic's message: "+, -".
std::string illegal_characters(std::string_view text, std::string_view forbidden) {
  std::string listed;
  for (char c : forbidden) {
    if (text.find(c) == std::string_view::npos) continue;
    if (!listed.empty()) listed += ", ";
    listed += c;
  }
  for (char c : text) {
    if (!is_blank(c)) continue;
    if (!listed.empty()) listed += ", ";
    listed += "whitespace";
    break;
  }
  return listed;
}

}  // namespace

std::optional<std::string> revision_id_problem(std::string_view id) {
  if (id.empty()) return std::string("empty revision identifier");
  // Sorted by byte value, as Alembic sorts the offending characters.
  const std::string listed = illegal_characters(id, "+,-:@");
  if (listed.empty()) return std::nullopt;
  return "Character(s) '" + listed + "' not allowed in revision identifier '" + std::string(id) +
         "'";
}

std::optional<std::string> branch_label_problem(std::string_view label) {
  if (label.empty()) return std::string("empty branch label");
  const std::string listed = illegal_characters(label, ",:@");
  if (listed.empty()) return std::nullopt;
  return "Character(s) '" + listed + "' not allowed in branch label '" + std::string(label) + "'";
}

std::string self_loop_message(std::string_view id) {
  return "Self-loop is detected in revisions (" + std::string(id) + ")";
}

std::string dependency_self_loop_message(std::string_view id) {
  return "Dependency self-loop is detected in revisions (" + std::string(id) + ")";
}

}  // namespace magent::core
