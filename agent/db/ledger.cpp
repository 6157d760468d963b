#include "agent/db/ledger.hpp"

#include <array>
#include <cassert>
#include <charconv>
#include <cstdio>

namespace magent::db {
namespace {

// Every column but id, in the order append() binds them and read_row() reads them.
constexpr std::array<std::string_view, 17> k_columns{"revision",
                                                     "direction",
                                                     "path",
                                                     "checksum",
                                                     "started_at",
                                                     "finished_at",
                                                     "duration_ms",
                                                     "outcome",
                                                     "error",
                                                     "host",
                                                     "pid",
                                                     "agent_version",
                                                     "trigger",
                                                     "peer_uid",
                                                     "peer_pid",
                                                     "versions_after",
                                                     "schema_fingerprint"};

constexpr std::string_view k_truncated_mark = " [truncated]";

std::string table_name(const Database& db, const LedgerTable& table) {
  return qualified_name(db.dialect(), table.schema, table.name);
}

std::string column(const Database& db, std::string_view name) {
  return quote_name(db.dialect(), name);
}

// "id, revision, ..." with an optional table alias prefix.
std::string select_list(const Database& db, std::string_view alias) {
  const std::string prefix = alias.empty() ? std::string() : std::string(alias) + ".";
  std::string list = prefix + "id";
  for (std::string_view name : k_columns) list += ", " + prefix + column(db, name);
  return list;
}

Value optional_text(const std::optional<std::string>& text) {
  if (!text) return nullptr;
  return *text;
}

Value optional_int(const std::optional<std::int64_t>& number) {
  if (!number) return nullptr;
  return *number;
}

std::string join_versions(const std::vector<std::string>& versions) {
  std::string out;
  for (const std::string& v : versions) {
    if (!out.empty()) out += ',';
    out += v;
  }
  return out;
}

std::vector<std::string> split_versions(std::string_view text) {
  std::vector<std::string> out;
  if (text.empty()) return out;
  std::size_t start = 0;
  for (;;) {
    const std::size_t comma = text.find(',', start);
    out.emplace_back(text.substr(start, comma == std::string_view::npos ? comma : comma - start));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

std::optional<std::int64_t> parse_int(const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || end != text->data() + text->size()) return std::nullopt;
  return value;
}

std::optional<std::vector<std::string>> optional_versions(const std::optional<std::string>& t) {
  if (!t) return std::nullopt;
  return split_versions(*t);
}

std::optional<std::string> optional_joined(const std::optional<std::vector<std::string>>& v) {
  if (!v) return std::nullopt;
  return join_versions(*v);
}

std::optional<std::string> optional_error(const std::optional<std::string>& error) {
  if (!error) return std::nullopt;
  return truncate_error(*error);
}

core::Error bad_row(std::int64_t id, std::string_view what) {
  return core::make_error(
      core::ErrorKind::step_failed,
      "ledger row " + std::to_string(id) + " has an unreadable " + std::string(what));
}

core::Result<LedgerEntry> read_row(const Row& row) {
  assert(row.size() == k_columns.size() + 1);
  auto cell = [&](std::size_t i) -> const std::optional<std::string>& { return row.at(i); };
  LedgerEntry e;
  e.id = parse_int(cell(0)).value_or(0);
  e.revision = cell(1).value_or("");
  auto direction = ledger_direction_from_string(cell(2).value_or(""));
  if (!direction) return bad_row(e.id, "direction");
  e.direction = *direction;
  e.path = cell(3).value_or("");
  e.checksum = cell(4).value_or("");
  auto started = parse_timestamp(cell(5).value_or(""));
  if (!started) return bad_row(e.id, "started_at");
  e.started_at = *started;
  if (cell(6)) {
    e.finished_at = parse_timestamp(*cell(6));
    if (!e.finished_at) return bad_row(e.id, "finished_at");
  }
  if (auto ms = parse_int(cell(7))) e.duration = std::chrono::milliseconds(*ms);
  auto outcome = ledger_outcome_from_string(cell(8).value_or(""));
  if (!outcome) return bad_row(e.id, "outcome");
  e.outcome = *outcome;
  e.error = cell(9);
  e.host = cell(10).value_or("");
  e.pid = parse_int(cell(11)).value_or(0);
  e.agent_version = cell(12).value_or("");
  auto trigger = ledger_trigger_from_string(cell(13).value_or(""));
  if (!trigger) return bad_row(e.id, "trigger");
  e.trigger = *trigger;
  e.peer_uid = parse_int(cell(14));
  e.peer_pid = parse_int(cell(15));
  e.versions_after = optional_versions(cell(16));
  e.schema_fingerprint = cell(17);
  return e;
}

core::Result<std::vector<LedgerEntry>> read_rows(Database& db, const std::string& sql,
                                                 const std::vector<Value>& params) {
  auto rows = db.query(sql, params);
  if (!rows) return rows.error();
  std::vector<LedgerEntry> entries;
  entries.reserve(rows->size());
  for (const Row& row : *rows) {
    if (row.size() != k_columns.size() + 1) {
      return core::make_error(core::ErrorKind::step_failed,
                              "ledger query returned " + std::to_string(row.size()) + " columns");
    }
    auto entry = read_row(row);
    if (!entry) return entry.error();
    entries.push_back(std::move(*entry));
  }
  return entries;
}

int digits(std::string_view text, std::size_t pos, std::size_t count) {
  int value = 0;
  const char* first = text.data() + pos;
  const auto [end, ec] = std::from_chars(first, first + count, value);
  if (ec != std::errc() || end != first + count) return -1;
  return value;
}

}  // namespace

std::string_view to_string(LedgerDirection direction) {
  switch (direction) {
    case LedgerDirection::upgrade:
      return "upgrade";
    case LedgerDirection::downgrade:
      return "downgrade";
    case LedgerDirection::stamp:
      return "stamp";
  }
  return "?";
}

std::string_view to_string(LedgerOutcome outcome) {
  switch (outcome) {
    case LedgerOutcome::started:
      return "started";
    case LedgerOutcome::succeeded:
      return "succeeded";
    case LedgerOutcome::failed:
      return "failed";
  }
  return "?";
}

std::string_view to_string(LedgerTrigger trigger) {
  switch (trigger) {
    case LedgerTrigger::automatic:
      return "auto";
    case LedgerTrigger::manual:
      return "manual";
    case LedgerTrigger::cli:
      return "cli";
  }
  return "?";
}

std::optional<LedgerDirection> ledger_direction_from_string(std::string_view text) {
  for (auto d : {LedgerDirection::upgrade, LedgerDirection::downgrade, LedgerDirection::stamp}) {
    if (to_string(d) == text) return d;
  }
  return std::nullopt;
}

std::optional<LedgerOutcome> ledger_outcome_from_string(std::string_view text) {
  for (auto o : {LedgerOutcome::started, LedgerOutcome::succeeded, LedgerOutcome::failed}) {
    if (to_string(o) == text) return o;
  }
  return std::nullopt;
}

std::optional<LedgerTrigger> ledger_trigger_from_string(std::string_view text) {
  for (auto t : {LedgerTrigger::automatic, LedgerTrigger::manual, LedgerTrigger::cli}) {
    if (to_string(t) == text) return t;
  }
  return std::nullopt;
}

std::string format_timestamp(WallTime time) {
  using namespace std::chrono;
  const auto ms = floor<milliseconds>(time);
  const auto day = floor<days>(ms);
  const year_month_day ymd{day};
  const hh_mm_ss<milliseconds> hms{ms - day};
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ",
                static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()),
                static_cast<int>(hms.subseconds().count()));
  return buffer;
}

std::optional<WallTime> parse_timestamp(std::string_view text) {
  using namespace std::chrono;
  constexpr std::string_view k_shape = "0000-00-00T00:00:00.000Z";
  if (text.size() != k_shape.size()) return std::nullopt;
  for (std::size_t i = 0; i < k_shape.size(); ++i) {
    if (k_shape[i] != '0' && text[i] != k_shape[i]) return std::nullopt;
  }
  const int y = digits(text, 0, 4), mo = digits(text, 5, 2), d = digits(text, 8, 2);
  const int h = digits(text, 11, 2), mi = digits(text, 14, 2), s = digits(text, 17, 2);
  const int ms = digits(text, 20, 3);
  if (y < 0 || mo < 0 || d < 0 || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59 ||
      ms < 0) {
    return std::nullopt;
  }
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)},
                           day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  return WallTime{sys_days{ymd} + hours{h} + minutes{mi} + seconds{s} + milliseconds{ms}};
}

std::string truncate_error(std::string_view error) {
  if (error.size() <= k_max_ledger_error_bytes) return std::string(error);
  std::size_t cut = k_max_ledger_error_bytes - k_truncated_mark.size();
  // Back up to the first byte of a UTF-8 sequence (continuation bytes are 10xxxxxx).
  while (cut > 0 && (static_cast<unsigned char>(error[cut]) & 0xC0U) == 0x80U) --cut;
  return std::string(error.substr(0, cut)) + std::string(k_truncated_mark);
}

core::Result<void> ensure_ledger(Database& db, const LedgerTable& table) {
  auto exists = db.table_exists(table.schema, table.name);
  if (!exists) return exists.error();
  if (*exists) return {};
  return db.execute(create_ledger_sql(db.dialect(), table));
}

core::Result<std::int64_t> append(Database& db, const LedgerTable& table,
                                  const LedgerEntry& entry) {
  std::string sql = "INSERT INTO " + table_name(db, table) + " (";
  std::string marks;
  for (std::string_view name : k_columns) {
    if (!marks.empty()) {
      sql += ", ";
      marks += ", ";
    }
    sql += column(db, name);
    marks += "?";
  }
  sql += ") VALUES (" + marks + ")";
  const bool returning = db.dialect() != core::Dialect::mysql;
  if (returning) sql += " RETURNING id";
  std::optional<std::int64_t> duration;
  if (entry.duration) duration = entry.duration->count();
  std::optional<std::string> finished;
  if (entry.finished_at) finished = format_timestamp(*entry.finished_at);
  const std::vector<Value> params{entry.revision,
                                  std::string(to_string(entry.direction)),
                                  entry.path,
                                  entry.checksum,
                                  format_timestamp(entry.started_at),
                                  optional_text(finished),
                                  optional_int(duration),
                                  std::string(to_string(entry.outcome)),
                                  optional_text(optional_error(entry.error)),
                                  entry.host,
                                  entry.pid,
                                  entry.agent_version,
                                  std::string(to_string(entry.trigger)),
                                  optional_int(entry.peer_uid),
                                  optional_int(entry.peer_pid),
                                  optional_text(optional_joined(entry.versions_after)),
                                  optional_text(entry.schema_fingerprint)};
  auto rows = db.query(sql, params);
  if (!rows) return rows.error();
  if (!returning) {
    rows = db.query("SELECT LAST_INSERT_ID()");  // per connection, so never another's row
    if (!rows) return rows.error();
  }
  std::optional<std::int64_t> id;
  if (!rows->empty() && !rows->front().empty()) id = parse_int(rows->front().front());
  if (!id) {
    return core::make_error(core::ErrorKind::step_failed,
                            "ledger insert into " + table.name + " returned no id");
  }
  return *id;
}

core::Result<void> update_outcome(Database& db, const LedgerTable& table, std::int64_t id,
                                  const LedgerResolution& resolution) {
  assert(resolution.outcome != LedgerOutcome::started);
  if (resolution.outcome == LedgerOutcome::started) {
    return core::make_error(core::ErrorKind::usage, "a ledger row cannot be resolved to started");
  }
  const std::string name = table_name(db, table);
  const std::string started(to_string(LedgerOutcome::started));
  std::string sql = "UPDATE " + name + " SET outcome = ?, finished_at = ?, " +
                    "duration_ms = ?, error = ?, versions_after = ?, schema_fingerprint = ?";
  std::vector<Value> params{std::string(to_string(resolution.outcome)),
                            format_timestamp(resolution.finished_at),
                            static_cast<std::int64_t>(resolution.duration.count()),
                            optional_text(optional_error(resolution.error)),
                            optional_text(optional_joined(resolution.versions_after)),
                            optional_text(resolution.schema_fingerprint)};
  if (resolution.step) {
    sql += ", revision = ?, path = ?, checksum = ?";
    params.insert(params.end(),
                  {resolution.step->revision, resolution.step->path, resolution.step->checksum});
  }
  sql += " WHERE id = ? AND outcome = ?";
  params.insert(params.end(), {id, started});
  auto matched = db.modify(sql, params);
  if (!matched) return matched.error();
  if (*matched == 1) return {};
  // Nothing resolved: say why.
  auto current = db.query("SELECT outcome FROM " + name + " WHERE id = ?", {id});
  if (!current) return current.error();
  if (current->empty()) {
    return core::make_error(core::ErrorKind::step_failed,
                            "ledger row " + std::to_string(id) + " not found in " + table.name);
  }
  return core::make_error(
      core::ErrorKind::step_failed,
      "ledger row " + std::to_string(id) + " is already " + current->front().at(0).value_or(""));
}

core::Result<void> set_schema_fingerprint(Database& db, const LedgerTable& table, std::int64_t id,
                                          std::string_view fingerprint) {
  const std::string name = table_name(db, table);
  auto matched = db.modify("UPDATE " + name + " SET schema_fingerprint = ? WHERE id = ?",
                           {std::string(fingerprint), id});
  if (!matched) return matched.error();
  if (*matched == 0) {
    return core::make_error(core::ErrorKind::step_failed,
                            "ledger row " + std::to_string(id) + " not found in " + table.name);
  }
  return {};
}

core::Result<std::vector<LedgerEntry>> read_recent(Database& db, const LedgerTable& table,
                                                   std::size_t limit) {
  return read_rows(db,
                   "SELECT " + select_list(db, "") + " FROM " + table_name(db, table) +
                       " ORDER BY id DESC LIMIT " + std::to_string(limit),
                   {});
}

core::Result<std::optional<LedgerEntry>> last_entry_for(Database& db, const LedgerTable& table,
                                                        std::string_view revision) {
  auto entries = read_rows(db,
                           "SELECT " + select_list(db, "") + " FROM " + table_name(db, table) +
                               " WHERE revision = ? ORDER BY id DESC LIMIT 1",
                           {std::string(revision)});
  if (!entries) return entries.error();
  if (entries->empty()) return std::optional<LedgerEntry>();
  return std::optional<LedgerEntry>(std::move(entries->front()));
}

core::Result<std::vector<LedgerEntry>> unresolved_entries(Database& db, const LedgerTable& table,
                                                          std::size_t limit) {
  const std::string name = table_name(db, table);
  return read_rows(db,
                   "SELECT " + select_list(db, "f") + " FROM " + name +
                       " f WHERE f.outcome IN (?, ?) AND NOT EXISTS (SELECT 1 FROM " + name +
                       " s WHERE s.revision = f.revision AND s.outcome = ? AND s.id > f.id)" +
                       " ORDER BY f.id DESC LIMIT " + std::to_string(limit),
                   {std::string(to_string(LedgerOutcome::failed)),
                    std::string(to_string(LedgerOutcome::started)),
                    std::string(to_string(LedgerOutcome::succeeded))});
}

}  // namespace magent::db
