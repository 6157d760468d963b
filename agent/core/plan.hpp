#pragma once

#include <string>
#include <vector>

#include "agent/core/revision.hpp"

namespace magent::core {

// One change to the alembic_version table, exactly as Alembic makes it.
struct VersionOp {
  enum class Kind { insert, update, remove };
  Kind kind = Kind::update;
  std::string from;  // update, remove: the row's current value
  std::string to;    // update, insert: the row's new value
};

// One migration step: run `revision` in `direction`, then apply `version_ops` in the same
// transaction. A stamp step has no revision to run (revision == nullptr).
struct Step {
  const Revision* revision = nullptr;
  Direction direction = Direction::upgrade;
  std::vector<VersionOp> version_ops;
};

// The ordered steps that move the database from `heads_before` to `heads_after`.
struct Plan {
  std::vector<std::string> heads_before;
  std::vector<Step> steps;
  std::vector<std::string> heads_after;

  bool empty() const { return steps.empty(); }
};

}  // namespace magent::core
