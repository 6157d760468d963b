#include "agent/db/lock.hpp"

#include <algorithm>
#include <bit>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <utility>

namespace magent::db {
namespace {

constexpr std::size_t k_max_lock_name = 64;  // MySQL's GET_LOCK limit

int default_port(core::Dialect dialect) {
  switch (dialect) {
    case core::Dialect::postgresql:
      return 5432;
    case core::Dialect::mysql:
      return 3306;
    case core::Dialect::sqlite:
      return 0;
  }
  return 0;
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::uint64_t fnv1a64(std::string_view text) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

}  // namespace

std::string lock_key(const core::DatabaseUrl& url, const VersionTable& table) {
  std::string key = "magent:" + std::string(core::to_string(url.dialect)) + "://";
  if (url.dialect == core::Dialect::sqlite) {
    key += url.database.empty() ? std::string(":memory:")
                                : std::filesystem::path(url.database).lexically_normal().string();
  } else {
    const int port = url.port != 0 ? url.port : default_port(url.dialect);
    key += (url.host.empty() ? std::string("localhost") : lower(url.host)) + ":" +
           std::to_string(port) + "/" + url.database;
  }
  key += "#";
  if (!table.schema.empty()) key += table.schema + ".";
  key += table.name;
  return key;
}

std::int64_t lock_key_int64(std::string_view key) {
  return std::bit_cast<std::int64_t>(fnv1a64(key));
}

std::string lock_key_name(std::string_view key) {
  if (key.size() <= k_max_lock_name) return std::string(key);
  static constexpr char k_hex[] = "0123456789abcdef";
  std::uint64_t hash = fnv1a64(key);
  std::string suffix(16, '0');
  for (std::size_t i = 16; i-- > 0; hash >>= 4) suffix[i] = k_hex[hash & 0xfU];
  return std::string(key.substr(0, k_max_lock_name - 17)) + "#" + suffix;
}

std::chrono::milliseconds backoff_delay(const Backoff& backoff, int attempt, double unit_random) {
  const double cap = static_cast<double>(backoff.max.count());
  double base = static_cast<double>(backoff.initial.count());
  for (int i = 0; i < attempt && base < cap; ++i) base *= backoff.factor;
  base = std::min(base, cap);
  const double u = std::clamp(unit_random, 0.0, 1.0);
  const double scaled = base * (1.0 + backoff.jitter * (2.0 * u - 1.0));
  return std::chrono::milliseconds(std::max<long long>(1, std::llround(scaled)));
}

LockGuard::LockGuard(Database& db, std::chrono::milliseconds waited)
    : m_db(&db), m_waited(waited) {}

LockGuard::~LockGuard() {
  if (m_db != nullptr) [[maybe_unused]]
    auto released = m_db->unlock();
}

LockGuard::LockGuard(LockGuard&& other) noexcept
    : m_db(std::exchange(other.m_db, nullptr)), m_waited(other.m_waited) {}

LockGuard& LockGuard::operator=(LockGuard&& other) noexcept {
  if (this != &other) {
    if (m_db != nullptr) [[maybe_unused]]
      auto released = m_db->unlock();
    m_db = std::exchange(other.m_db, nullptr);
    m_waited = other.m_waited;
  }
  return *this;
}

core::Result<void> LockGuard::release() {
  Database* db = std::exchange(m_db, nullptr);
  if (db == nullptr) return {};
  return db->unlock();
}

core::Result<LockGuard> acquire_lock(Database& db, std::string_view key,
                                     std::chrono::milliseconds timeout, platform::Clock& clock,
                                     const Backoff& backoff,
                                     const std::function<bool()>& stop_requested) {
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  const platform::Clock::SteadyTime start = clock.now();
  for (int attempt = 0;; ++attempt) {
    auto got = db.try_lock(key);
    if (!got) return got.error();
    const auto elapsed = duration_cast<milliseconds>(clock.now() - start);
    if (*got) return LockGuard(db, elapsed);
    if (elapsed >= timeout) {
      auto holder = db.lock_holder(key);
      std::string who = "an unknown holder";
      if (holder && *holder) who = **holder;
      return core::make_error(core::ErrorKind::lock_timeout, "migration lock not acquired within " +
                                                                 std::to_string(timeout.count()) +
                                                                 " ms; held by " + who);
    }
    if (stop_requested && stop_requested()) {
      return core::make_error(core::ErrorKind::io,
                              "stopped waiting for the migration lock: the agent is shutting down");
    }
    const milliseconds delay = backoff_delay(backoff, attempt, clock.random_unit());
    clock.sleep_for(std::min(delay, timeout - elapsed));
  }
}

}  // namespace magent::db
