#include "agent/db/sqlite/sqlite_database.hpp"

#include <algorithm>
#include <filesystem>
#include <limits>
#include <map>
#include <mutex>
#include <utility>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include "agent/db/sqlite/lock_file.hpp"
#include "agent/platform/host.hpp"

namespace magent::db {
namespace {

// Used when ConnectOptions::connect_timeout is zero.
constexpr int k_default_busy_timeout_ms = 5'000;

// In-memory databases have no file to lock beside; they share this process-wide table.
class MemoryLocks {
 public:
  bool try_acquire(const std::string& key, const std::string& holder) {
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_holders.try_emplace(key, holder).second;
  }
  void release(const std::string& key) {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_holders.erase(key);
  }
  std::optional<std::string> holder(const std::string& key) {
    std::lock_guard<std::mutex> lock(m_mutex);
    auto it = m_holders.find(key);
    if (it == m_holders.end()) return std::nullopt;
    return it->second;
  }

 private:
  std::mutex m_mutex;
  std::map<std::string, std::string> m_holders;
};

MemoryLocks& memory_locks() {
  static MemoryLocks locks;
  return locks;
}

// Errors that mean the file is unusable, not that one statement was wrong.
bool is_unreachable_code(int code) {
  const int primary = code & 0xff;
  return primary == SQLITE_CANTOPEN || primary == SQLITE_NOTADB || primary == SQLITE_IOERR ||
         primary == SQLITE_CORRUPT;
}

core::Error statement_error(const SQLite::Exception& e) {
  const core::ErrorKind kind = is_unreachable_code(e.getExtendedErrorCode())
                                   ? core::ErrorKind::unreachable
                                   : core::ErrorKind::step_failed;
  return core::make_error(kind, std::string("SQLite: ") + e.what());
}

core::Error unexpected_error(const std::exception& e) {
  return core::make_error(core::ErrorKind::step_failed, std::string("SQLite: ") + e.what());
}

std::string sqlite_quote(std::string_view part) {
  std::string out = "\"";
  for (char c : part) {
    out += c;
    if (c == '"') out += '"';
  }
  out += '"';
  return out;
}

int to_millis_int(std::chrono::milliseconds ms) {
  constexpr auto k_max = std::chrono::milliseconds(std::numeric_limits<int>::max());
  return static_cast<int>(std::min(ms, k_max).count());
}

}  // namespace

struct SqliteDatabase::Impl {
  std::string path;         // "" = in memory
  std::string holder_text;  // "migration-agent@host:pid"
  std::unique_ptr<SQLite::Database> db;
  std::optional<LockFile> lock_file;      // file databases
  std::optional<std::string> memory_key;  // in-memory databases: the key we hold
};

core::Result<std::unique_ptr<SqliteDatabase>> SqliteDatabase::open(const ConnectOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->path = options.url.database;
  impl->holder_text = session_identity(options);
  bool in_memory = impl->path.empty() || impl->path == ":memory:";
  const std::string where = in_memory ? std::string("(in memory)") : impl->path;
  if (!in_memory) {
    const std::filesystem::path parent = std::filesystem::path(impl->path).parent_path();
    std::error_code ec;
    if (!parent.empty() && !std::filesystem::is_directory(parent, ec)) {
      return core::make_error(core::ErrorKind::unreachable,
                              "cannot open SQLite database " + where + ": directory " +
                                  parent.string() +
                                  " does not exist (create it, or point DATABASE_URL or "
                                  "--database-url elsewhere)");
    }
  }
  if (!in_memory && options.missing == MissingDatabase::read_as_empty) {
    std::error_code ec;
    if (!std::filesystem::exists(impl->path, ec)) {
      spdlog::warn("SQLite database {} does not exist; reading it as empty (nothing applied "
                   "yet, or DATABASE_URL / --database-url names the wrong file)",
                   impl->path);
      in_memory = true;  // nothing on disk: an empty database, and no file created
    }
  }
  const int busy_ms = options.connect_timeout.count() > 0 ? to_millis_int(options.connect_timeout)
                                                          : k_default_busy_timeout_ms;
  try {
    impl->db =
        std::make_unique<SQLite::Database>(in_memory ? std::string(":memory:") : impl->path,
                                           SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE, busy_ms);
    impl->db->exec("PRAGMA foreign_keys = ON");
    // Reads the header: a file that is not a database fails here, not at the first step.
    impl->db->exec("SELECT count(*) FROM sqlite_master");
  } catch (const std::exception& e) {
    return core::make_error(core::ErrorKind::unreachable,
                            "cannot open SQLite database " + where + ": " + e.what());
  }
  if (!in_memory) impl->lock_file.emplace(impl->path + ".lock");
  return std::unique_ptr<SqliteDatabase>(new SqliteDatabase(std::move(impl)));
}

SqliteDatabase::SqliteDatabase(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}

SqliteDatabase::~SqliteDatabase() {
  [[maybe_unused]] auto released = unlock();
  if (m_impl->db && sqlite3_get_autocommit(m_impl->db->getHandle()) == 0) {
    [[maybe_unused]] auto rolled_back = rollback();
  }
}

core::Result<void> SqliteDatabase::execute(std::string_view sql) {
  try {
    m_impl->db->exec(std::string(sql));
    return {};
  } catch (const SQLite::Exception& e) {
    return statement_error(e);
  } catch (const std::exception& e) {
    return unexpected_error(e);
  }
}

core::Result<Rows> SqliteDatabase::query(std::string_view sql, const std::vector<Value>& params) {
  try {
    SQLite::Statement statement(*m_impl->db, std::string(sql));
    int index = 1;
    for (const Value& param : params) {
      if (const auto* text = std::get_if<std::string>(&param)) {
        statement.bind(index, *text);
      } else if (const auto* number = std::get_if<std::int64_t>(&param)) {
        statement.bind(index, *number);
      } else {
        statement.bind(index);
      }
      ++index;
    }
    Rows rows;
    while (statement.executeStep()) {
      Row row;
      const int columns = statement.getColumnCount();
      row.reserve(static_cast<std::size_t>(columns));
      for (int c = 0; c < columns; ++c) {
        SQLite::Column column = statement.getColumn(c);
        if (column.isNull()) {
          row.emplace_back(std::nullopt);
        } else {
          row.emplace_back(column.getString());
        }
      }
      rows.push_back(std::move(row));
    }
    return rows;
  } catch (const SQLite::Exception& e) {
    return statement_error(e);
  } catch (const std::exception& e) {
    return unexpected_error(e);
  }
}

core::Result<void> SqliteDatabase::begin() {
  return execute("BEGIN IMMEDIATE");
}

core::Result<void> SqliteDatabase::commit() {
  return execute("COMMIT");
}

core::Result<void> SqliteDatabase::rollback() {
  // SQLite may already have rolled back on its own (e.g. after SQLITE_FULL).
  if (sqlite3_get_autocommit(m_impl->db->getHandle()) != 0) return {};
  return execute("ROLLBACK");
}

core::Result<bool> SqliteDatabase::table_exists(std::string_view schema, std::string_view table) {
  const std::string master =
      schema.empty() ? std::string("sqlite_master") : sqlite_quote(schema) + ".sqlite_master";
  auto rows =
      query("SELECT count(*) FROM " + master + " WHERE type = 'table' AND lower(name) = lower(?)",
            {std::string(table)});
  if (!rows) return rows.error();
  return !rows->empty() && rows->front().at(0).value_or("0") != "0";
}

core::Result<std::vector<std::string>> SqliteDatabase::list_tables() {
  auto rows = query(
      "SELECT name FROM sqlite_master WHERE type = 'table' "
      "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name");
  if (!rows) return rows.error();
  std::vector<std::string> names;
  for (const Row& row : *rows) names.push_back(row.at(0).value_or(""));
  return names;
}

core::Result<void> SqliteDatabase::set_step_timeouts(const StepTimeouts& timeouts) {
  if (timeouts.lock.count() <= 0) return {};
  try {
    m_impl->db->setBusyTimeout(to_millis_int(timeouts.lock));
    return {};
  } catch (const SQLite::Exception& e) {
    return statement_error(e);
  }
}

std::string SqliteDatabase::quote_identifier(std::string_view name) const {
  std::string out;
  std::size_t start = 0;
  for (;;) {
    const std::size_t dot = name.find('.', start);
    out += sqlite_quote(name.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (dot == std::string_view::npos) break;
    out += '.';
    start = dot + 1;
  }
  return out;
}

core::Result<bool> SqliteDatabase::try_lock(std::string_view key) {
  if (m_impl->lock_file) return m_impl->lock_file->try_acquire(m_impl->holder_text);
  const std::string memory_key(key);
  if (m_impl->memory_key) return *m_impl->memory_key == memory_key;
  if (!memory_locks().try_acquire(memory_key, m_impl->holder_text)) return false;
  m_impl->memory_key = memory_key;
  return true;
}

core::Result<void> SqliteDatabase::unlock() {
  if (m_impl->lock_file) {
    m_impl->lock_file->release();
  } else if (m_impl->memory_key) {
    memory_locks().release(*m_impl->memory_key);
    m_impl->memory_key.reset();
  }
  return {};
}

core::Result<std::optional<std::string>> SqliteDatabase::lock_holder(std::string_view key) {
  if (m_impl->lock_file) return m_impl->lock_file->holder();
  return memory_locks().holder(std::string(key));
}

std::string SqliteDatabase::describe() const {
  const std::string where = m_impl->lock_file ? "at " + m_impl->path : std::string("in memory");
  return std::string("SQLite ") + sqlite3_libversion() + " " + where;
}

core::Result<std::unique_ptr<Database>> open_sqlite(const ConnectOptions& options) {
  auto db = SqliteDatabase::open(options);
  if (!db) return db.error();
  return std::unique_ptr<Database>(std::move(*db));
}

}  // namespace magent::db
