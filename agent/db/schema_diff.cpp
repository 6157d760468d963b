// diff() of schema_fingerprint.hpp: what changed between two snapshots, in operator words.
#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "agent/db/schema_catalog.hpp"
#include "agent/db/schema_fingerprint.hpp"

namespace magent::db {
namespace {

using schema_detail::join;

std::string qualified(const std::string& table, const std::string& name) {
  return table + "." + name;
}

std::string nullability(bool nullable) {
  return nullable ? "nullable" : "not null";
}

std::string shown(const std::optional<std::string>& value) {
  return value ? *value : "none";
}

std::string shown(const std::string& value) {
  return value.empty() ? "none" : value;
}

// "integer, nullable, default 0, auto_increment".
std::string column_summary(const SchemaColumn& c) {
  std::string out = c.type + ", " + nullability(c.nullable);
  if (c.default_expr) out += ", default " + *c.default_expr;
  if (!c.extra.empty()) out += ", " + c.extra;
  return out;
}

std::string index_summary(const SchemaIndex& i) {
  return (i.unique ? "unique " : "") + i.definition;
}

template <class T>
const T* find_named(const std::vector<T>& items, const std::string& name) {
  auto it = std::find_if(items.begin(), items.end(), [&](const T& x) { return x.name == name; });
  return it == items.end() ? nullptr : &*it;
}

void diff_columns(const SchemaTable& before, const SchemaTable& after,
                  std::vector<std::string>& out) {
  const std::string& t = after.name;
  for (const SchemaColumn& old_column : before.columns) {
    if (find_named(after.columns, old_column.name) == nullptr) {
      out.push_back("column " + qualified(t, old_column.name) + " dropped");
    }
  }
  for (const SchemaColumn& c : after.columns) {
    const SchemaColumn* old_column = find_named(before.columns, c.name);
    const std::string name = "column " + qualified(t, c.name);
    if (old_column == nullptr) {
      out.push_back(name + " added (" + column_summary(c) + ")");
      continue;
    }
    if (old_column->type != c.type) {
      out.push_back(name + " type " + old_column->type + " -> " + c.type);
    }
    if (old_column->nullable != c.nullable) {
      out.push_back(name + " " + nullability(old_column->nullable) + " -> " +
                    nullability(c.nullable));
    }
    if (old_column->default_expr != c.default_expr) {
      out.push_back(name + " default " + shown(old_column->default_expr) + " -> " +
                    shown(c.default_expr));
    }
    if (old_column->extra != c.extra) {
      out.push_back(name + " extra " + shown(old_column->extra) + " -> " + shown(c.extra));
    }
  }
  // Columns present before and after, in each side's order: a difference is a reorder.
  std::vector<std::string> old_order, new_order;
  for (const SchemaColumn& c : before.columns) {
    if (find_named(after.columns, c.name) != nullptr) old_order.push_back(c.name);
  }
  for (const SchemaColumn& c : after.columns) {
    if (find_named(before.columns, c.name) != nullptr) new_order.push_back(c.name);
  }
  if (old_order != new_order) {
    out.push_back("columns of " + t + " reordered (" + join(old_order) + " -> " + join(new_order) +
                  ")");
  }
}

void diff_indexes(const SchemaTable& before, const SchemaTable& after,
                  std::vector<std::string>& out) {
  const std::string& t = after.name;
  for (const SchemaIndex& i : before.indexes) {
    if (find_named(after.indexes, i.name) == nullptr) {
      out.push_back("index " + qualified(t, i.name) + " dropped");
    }
  }
  for (const SchemaIndex& i : after.indexes) {
    const SchemaIndex* old_index = find_named(before.indexes, i.name);
    if (old_index == nullptr) {
      out.push_back("index " + qualified(t, i.name) + " added (" + index_summary(i) + ")");
    } else if (!(*old_index == i)) {
      out.push_back("index " + qualified(t, i.name) + " changed (" + index_summary(*old_index) +
                    " -> " + index_summary(i) + ")");
    }
  }
}

// A constraint is known by kind and name, or by its definition when it has no name.
using ConstraintKey = std::tuple<ConstraintKind, std::string, std::string>;

ConstraintKey key_of(const SchemaConstraint& c) {
  return {c.kind, c.name, c.name.empty() ? c.definition : std::string()};
}

std::string constraint_label(const std::string& table, const SchemaConstraint& c) {
  const std::string kind(describe(c.kind));
  return c.name.empty() ? kind + " on " + table : kind + " " + qualified(table, c.name);
}

void diff_constraints(const SchemaTable& before, const SchemaTable& after,
                      std::vector<std::string>& out) {
  std::map<ConstraintKey, const SchemaConstraint*> old_by_key, new_by_key;
  for (const SchemaConstraint& c : before.constraints) old_by_key.emplace(key_of(c), &c);
  for (const SchemaConstraint& c : after.constraints) new_by_key.emplace(key_of(c), &c);
  const std::string& t = after.name;
  for (const auto& [key, c] : old_by_key) {
    if (new_by_key.count(key) == 0) {
      out.push_back(constraint_label(t, *c) + " dropped (" + c->definition + ")");
    }
  }
  for (const auto& [key, c] : new_by_key) {
    auto old_it = old_by_key.find(key);
    if (old_it == old_by_key.end()) {
      out.push_back(constraint_label(t, *c) + " added (" + c->definition + ")");
    } else if (old_it->second->definition != c->definition) {
      out.push_back(constraint_label(t, *c) + " changed (" + old_it->second->definition + " -> " +
                    c->definition + ")");
    }
  }
}

}  // namespace

std::vector<std::string> diff(const SchemaSnapshot& before, const SchemaSnapshot& after) {
  std::vector<std::string> out;
  std::set<std::string> names;
  for (const SchemaTable& t : before.tables) names.insert(t.name);
  for (const SchemaTable& t : after.tables) names.insert(t.name);
  for (const std::string& name : names) {
    const SchemaTable* old_table = find_named(before.tables, name);
    const SchemaTable* new_table = find_named(after.tables, name);
    if (old_table == nullptr) {
      out.push_back("table " + name + " added");
    } else if (new_table == nullptr) {
      out.push_back("table " + name + " dropped");
    } else if (!(*old_table == *new_table)) {
      diff_columns(*old_table, *new_table, out);
      diff_indexes(*old_table, *new_table, out);
      diff_constraints(*old_table, *new_table, out);
    }
  }
  for (const SchemaView& v : before.views) {
    if (find_named(after.views, v.name) == nullptr) out.push_back("view " + v.name + " dropped");
  }
  for (const SchemaView& v : after.views) {
    const SchemaView* old_view = find_named(before.views, v.name);
    if (old_view == nullptr) {
      out.push_back("view " + v.name + " added");
    } else if (old_view->definition != v.definition) {
      out.push_back("view " + v.name + " changed");
    }
  }
  return out;
}

}  // namespace magent::db
