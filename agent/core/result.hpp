#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace magent::core {

// What went wrong, coarse enough to pick an exit code (DESIGN.md section 10) and a metric.
enum class ErrorKind {
  usage,        // bad argument or identifier on the command line / control request
  config,       // bad configuration key, value or URL
  parse,        // a migration file could not be read or parsed
  graph,        // the revision graph is invalid (missing parent, cycle, ...)
  resolution,   // a revision identifier did not resolve, or a plan is impossible
  unreachable,  // the database could not be reached or used
  lock_timeout, // the migration lock was not acquired in time
  step_failed,  // a migration step failed (statement error, runner failure)
  io,           // local I/O: files, sockets, processes
  drift,        // the database is not where the files say it should be
};

// An expected failure: a kind and one line an operator can act on.
struct Error {
  ErrorKind kind = ErrorKind::io;
  std::string message;
};

// Process exit code for an error kind (DESIGN.md section 10).
constexpr int exit_code_for(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::drift:
      return 1;
    case ErrorKind::usage:
    case ErrorKind::config:
    case ErrorKind::parse:
    case ErrorKind::graph:
    case ErrorKind::resolution:
    case ErrorKind::io:
      return 2;
    case ErrorKind::unreachable:
      return 3;
    case ErrorKind::lock_timeout:
      return 4;
    case ErrorKind::step_failed:
      return 5;
  }
  return 2;
}

// Either a value or an Error. Expected failures travel as values, never as exceptions.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : m_state(std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : m_state(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return m_state.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(m_state);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(m_state);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(m_state));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const {
    assert(!ok());
    return std::get<1>(m_state);
  }

 private:
  std::variant<T, Error> m_state;
};

// Success carrying nothing, or an Error.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : m_error(std::move(error)), m_failed(true) {}  // NOLINT: implicit

  bool ok() const { return !m_failed; }
  explicit operator bool() const { return ok(); }
  const Error& error() const {
    assert(m_failed);
    return m_error;
  }

 private:
  Error m_error;
  bool m_failed = false;
};

// Shorthand for building an Error in a return statement.
inline Error make_error(ErrorKind kind, std::string message) {
  return Error{kind, std::move(message)};
}

}  // namespace magent::core
