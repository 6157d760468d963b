#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "agent/config/config.hpp"
#include "agent/config/source.hpp"
#include "agent/core/result.hpp"

// Pure parsers and checks for single configuration values. Errors carry only the
// complaint ("expected ..., got ..."); the caller prefixes the origin and key.
namespace magent::config {

// Whether a duration of zero is meaningful for a key ("0 = none") or a mistake.
enum class ZeroIs { allowed, rejected };

// Which spellings count as "on" for a switch read from the environment or a flag.
enum class SwitchWords {
  standard,  // 1/true/yes/on and 0/false/no/off/""
  now_lms,   // the standard words plus "development"/"dev" as on, as NOW LMS reads them
};

// Whether a runner command must contain the {target} placeholder.
enum class TargetPlaceholder { optional, required };

// "300ms", "10s", "5m", "1h" and combinations such as "1m30s" or "1h30m".
core::Result<std::chrono::milliseconds> parse_duration(std::string_view text);

// A duration from a TOML string or an integer number of seconds.
core::Result<std::chrono::milliseconds> duration_from(const Value& value, ZeroIs zero);

// The shortest duration string parse_duration reads back to the same value ("1m30s").
std::string format_duration(std::chrono::milliseconds duration);

// An environment/flag switch: trimmed, any case. nullopt when the word is not recognised.
std::optional<bool> parse_switch(std::string_view text, SwitchWords words);

// A string Value's text, or an error naming the type found instead.
core::Result<std::string> string_from(const Value& value);

// An integer Value within [min, max].
core::Result<std::int64_t> integer_from(const Value& value, std::int64_t min, std::int64_t max);

// A boolean: a TOML boolean, or (from the environment or a flag) a switch word.
core::Result<bool> boolean_from(const Value& value, const Origin& origin);

// SQL identifier for tables and schemas: [A-Za-z_][A-Za-z0-9_$]*, at most 63 characters.
core::Result<void> check_identifier(std::string_view text);

// "" (disabled), "HOST:PORT" or "[IPv6]:PORT"; port 0..65535 (0 = any free port).
core::Result<void> check_listen_address(std::string_view text);

// "" (disabled) or a path that fits a Unix socket address (at most 107 bytes).
core::Result<void> check_socket_path(std::string_view text);

// A revision id usable as an alias: non-empty, none of @ - + : , or whitespace.
core::Result<void> check_revision_id(std::string_view text);

// Placeholders in a runner command: only {target} is known (${VAR} is left to the shell).
core::Result<void> check_command_placeholders(std::string_view command, TargetPlaceholder target);

// "text" or "json", any case.
core::Result<LogFormat> log_format_from(std::string_view text);

// "upgrade" or "hold", any case.
core::Result<MultipleHeadsPolicy> multiple_heads_from(std::string_view text);

// trace, debug, info, warn or error (any case); returns the lowercase name.
core::Result<std::string> log_level_from(std::string_view text);

std::string_view to_string(LogFormat format);
std::string_view to_string(MultipleHeadsPolicy policy);

// The candidate closest to `word` when the difference looks like a typo, else "".
std::string nearest_word(std::string_view word, std::span<const std::string_view> candidates);

// A short rendering of a value for "got ..." in messages: quoted strings (credentials in
// anything that looks like a URL masked, long text shortened), TOML spelling otherwise.
std::string describe_value(const Value& value);

// Masks user:password@ credentials in every "scheme://" found in free text.
std::string mask_url_credentials(std::string_view text);

}  // namespace magent::config
