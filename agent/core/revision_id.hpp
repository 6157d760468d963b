#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace magent::core {

// Why `id` cannot be a revision id (empty, or holding `@ - + :`, a comma or whitespace), in
// Alembic's words ("Character(s) '-' not allowed in revision identifier 'a-b'"); nullopt if fine.
std::optional<std::string> revision_id_problem(std::string_view id);

// Why `label` cannot be a branch label (empty, or holding `@`, `:`, a comma or whitespace,
// which would break `label@head` and comma lists); nullopt if fine.
std::optional<std::string> branch_label_problem(std::string_view label);

// Alembic's message for a revision that names itself as its parent.
std::string self_loop_message(std::string_view id);

// Alembic's message for a revision that names itself in depends_on.
std::string dependency_self_loop_message(std::string_view id);

}  // namespace magent::core
