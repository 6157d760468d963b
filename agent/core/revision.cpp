#include "agent/core/revision.hpp"

namespace magent::core {

std::string_view to_string(Dialect dialect) {
  switch (dialect) {
    case Dialect::sqlite:
      return "sqlite";
    case Dialect::postgresql:
      return "postgresql";
    case Dialect::mysql:
      return "mysql";
  }
  return "?";
}

std::string_view to_string(Direction direction) {
  return direction == Direction::upgrade ? "upgrade" : "downgrade";
}

std::optional<Dialect> dialect_from_string(std::string_view name) {
  if (name == "sqlite") return Dialect::sqlite;
  if (name == "postgresql" || name == "postgres") return Dialect::postgresql;
  if (name == "mysql" || name == "mariadb") return Dialect::mysql;
  return std::nullopt;
}

}  // namespace magent::core
