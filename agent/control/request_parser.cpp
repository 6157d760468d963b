// parse_request and Request (declared in protocol.hpp): one line into a validated Request.
#include "agent/control/protocol.hpp"

#include <algorithm>
#include <cassert>
#include <utility>

#include "agent/core/utf8.hpp"

namespace magent::control {
namespace {

using nlohmann::json;

// More top-level fields than any command takes; a line with more is rejected outright.
constexpr std::size_t k_max_fields = 16;
// Longest piece of client input quoted back in an error message.
constexpr std::size_t k_max_quoted_bytes = 64;

// Quotes client text for an error message: printable ASCII and well-formed UTF-8 as is,
// control bytes as \xNN, cut at a character boundary after k_max_quoted_bytes.
std::string quote(std::string_view text) {
  std::string out = "\"";
  std::size_t i = 0;
  while (i < text.size()) {
    if (i >= k_max_quoted_bytes) {
      out += "...";
      break;
    }
    const auto byte = static_cast<unsigned char>(text[i]);
    std::size_t length = 1;
    if (byte >= 0xF0) {
      length = 4;
    } else if (byte >= 0xE0) {
      length = 3;
    } else if (byte >= 0xC0) {
      length = 2;
    }
    if (byte < 0x20 || byte == 0x7F || byte == '"' || byte == '\\' ||
        (byte >= 0x80 && core::find_invalid_utf8(text.substr(i, length)))) {
      static constexpr std::string_view k_hex = "0123456789abcdef";
      out += "\\x";
      out += k_hex[byte >> 4];
      out += k_hex[byte & 0xF];
      ++i;
      continue;
    }
    out.append(text.substr(i, length));
    i += length;
  }
  out += '"';
  return out;
}

// One top-level field as the SAX pass saw it.
struct Field {
  std::string name;
  json value;           // a scalar, or an array of scalars
  bool nested = false;  // held an object, or an array inside an array
};

// Reads the top level of a request without building a document: scalars and one level of
// arrays are kept, anything deeper is only marked. Parsing therefore needs no recursion
// and no memory beyond the fields, whatever the client sends.
class RequestSax {
 public:
  using number_integer_t = json::number_integer_t;
  using number_unsigned_t = json::number_unsigned_t;
  using number_float_t = json::number_float_t;
  using string_t = json::string_t;
  using binary_t = json::binary_t;

  bool null() { return scalar(nullptr); }
  bool boolean(bool value) { return scalar(value); }
  bool number_integer(number_integer_t value) { return scalar(value); }
  bool number_unsigned(number_unsigned_t value) { return scalar(value); }
  bool number_float(number_float_t value, const string_t&) { return scalar(value); }
  bool string(string_t& value) { return scalar(std::move(value)); }
  bool binary(binary_t&) { return scalar(nullptr); }

  bool start_object(std::size_t) {
    if (m_depth == 0) {
      m_depth = 1;
      return true;
    }
    mark_nested();
    ++m_depth;
    return true;
  }
  bool end_object() {
    --m_depth;
    return true;
  }
  bool start_array(std::size_t) {
    if (m_depth == 0) return not_an_object();
    if (m_depth == 1) {
      m_fields.back().value = json::array();
    } else {
      mark_nested();
    }
    ++m_depth;
    return true;
  }
  bool end_array() {
    --m_depth;
    return true;
  }
  bool key(string_t& name) {
    if (m_depth != 1) return true;
    if (m_fields.size() >= k_max_fields) {
      m_too_many_fields = true;
      return false;
    }
    const bool seen = std::any_of(m_fields.begin(), m_fields.end(),
                                  [&](const Field& field) { return field.name == name; });
    if (seen && !m_duplicate) m_duplicate = name;
    m_fields.push_back(Field{std::move(name), nullptr, false});
    return true;
  }
  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception&) {
    m_syntax_error_at = position;
    return false;
  }

  bool not_object() const { return m_not_object; }
  bool too_many_fields() const { return m_too_many_fields; }
  const std::optional<std::size_t>& syntax_error_at() const { return m_syntax_error_at; }
  const std::optional<std::string>& duplicate() const { return m_duplicate; }
  const std::vector<Field>& fields() const { return m_fields; }

 private:
  bool scalar(json value) {
    if (m_depth == 0) return not_an_object();
    if (m_depth == 1) {
      m_fields.back().value = std::move(value);
    } else if (m_depth == 2 && !m_fields.back().nested &&
               m_fields.back().value.size() <= k_max_stamp_targets) {
      m_fields.back().value.push_back(std::move(value));
    }
    return true;
  }
  void mark_nested() { m_fields.back().nested = true; }
  bool not_an_object() {
    m_not_object = true;
    return false;
  }

  int m_depth = 0;
  bool m_not_object = false;
  bool m_too_many_fields = false;
  std::optional<std::size_t> m_syntax_error_at;
  std::optional<std::string> m_duplicate;
  std::vector<Field> m_fields;
};

const Field* find_field(const std::vector<Field>& fields, std::string_view name) {
  for (const auto& field : fields) {
    if (field.name == name) return &field;
  }
  return nullptr;
}

// The fields each command takes besides "cmd" and "id".
std::vector<std::string_view> fields_of(Command command) {
  switch (command) {
    case Command::plan:
    case Command::upgrade:
      return {"target"};
    case Command::downgrade:
      return {"target", "confirm"};
    case Command::stamp:
      return {"target", "purge"};
    default:
      return {};
  }
}

// Why `target` is not an acceptable revision identifier, or "" when it is.
std::string target_problem(std::string_view target) {
  if (target.empty()) return "\"target\" must not be empty";
  if (target.size() > k_max_target_bytes) {
    return "\"target\" is longer than " + std::to_string(k_max_target_bytes) + " bytes";
  }
  for (const char c : target) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte == 0x7F) {
      return "\"target\" " + quote(target) + " contains whitespace or a control character";
    }
  }
  return "";
}

// Validates a parsed top level into a Request.
class Validator {
 public:
  explicit Validator(const std::vector<Field>& fields) : m_fields(fields) {}

  ParseResult run(const std::optional<std::string>& duplicate) {
    if (const Field* id = find_field(m_fields, "id")) {
      if (id->nested || !(id->value.is_string() || id->value.is_number())) {
        return fail("\"id\" must be a string or a number");
      }
      if (duplicate != "id") m_request.id = id->value;
    }
    if (duplicate) return fail("duplicate field " + quote(*duplicate));
    const Field* cmd = find_field(m_fields, "cmd");
    if (cmd == nullptr) return fail("missing field \"cmd\"");
    if (cmd->nested || !cmd->value.is_string()) return fail("\"cmd\" must be a string");
    const std::string& name = cmd->value.get_ref<const std::string&>();
    const std::optional<Command> command = command_from_string(name);
    if (!command) return fail(ErrorCode::unknown_command, "unknown command " + quote(name));
    m_request.command = *command;

    const std::vector<std::string_view> allowed = fields_of(*command);
    for (const auto& field : m_fields) {
      if (field.name == "cmd" || field.name == "id") continue;
      if (std::find(allowed.begin(), allowed.end(), field.name) == allowed.end()) {
        return fail("unknown field " + quote(field.name) + " for command " + quote(name));
      }
    }
    switch (*command) {
      case Command::plan:
      case Command::upgrade:
        return single_target(name, "heads");
      case Command::downgrade:
        return downgrade();
      case Command::stamp:
        return stamp();
      default:
        return std::move(m_request);
    }
  }

 private:
  ParseResult fail(std::string message) { return fail(ErrorCode::bad_request, std::move(message)); }
  ParseResult fail(ErrorCode code, std::string message) {
    return RequestError{code, std::move(message), m_request.id};
  }

  // Reads "target" as one string; `fallback` when absent ("" = required).
  ParseResult single_target(std::string_view command, std::string_view fallback) {
    const Field* target = find_field(m_fields, "target");
    if (target == nullptr) {
      if (fallback.empty()) return fail(std::string(command) + " needs \"target\"");
      m_request.targets.emplace_back(fallback);
      return std::move(m_request);
    }
    if (target->nested || !target->value.is_string()) return fail("\"target\" must be a string");
    const std::string& value = target->value.get_ref<const std::string&>();
    if (std::string problem = target_problem(value); !problem.empty()) return fail(problem);
    m_request.targets.push_back(value);
    return std::move(m_request);
  }

  ParseResult downgrade() {
    const Field* confirm = find_field(m_fields, "confirm");
    if (confirm != nullptr && (confirm->nested || !confirm->value.is_boolean())) {
      return fail("\"confirm\" must be true or false");
    }
    ParseResult result = single_target("downgrade", "");
    if (std::holds_alternative<RequestError>(result)) return result;
    if (confirm == nullptr || !confirm->value.get<bool>()) {
      return fail("downgrade needs \"confirm\": true");
    }
    auto& request = std::get<Request>(result);
    request.confirm = true;
    return result;
  }

  ParseResult stamp() {
    if (const Field* purge = find_field(m_fields, "purge")) {
      if (purge->nested || !purge->value.is_boolean())
        return fail("\"purge\" must be true or false");
      m_request.purge = purge->value.get<bool>();
    }
    const Field* target = find_field(m_fields, "target");
    if (target == nullptr) return fail("stamp needs \"target\"");
    if (target->value.is_string()) return single_target("stamp", "");
    if (target->nested || !target->value.is_array()) {
      return fail("\"target\" must be a string or a list of strings");
    }
    if (target->value.empty()) return fail("\"target\" must not be an empty list");
    if (target->value.size() > k_max_stamp_targets) {
      return fail("\"target\" lists more than " + std::to_string(k_max_stamp_targets) +
                  " revisions");
    }
    for (const auto& item : target->value) {
      if (!item.is_string()) return fail("\"target\" must be a string or a list of strings");
      const std::string& value = item.get_ref<const std::string&>();
      if (std::string problem = target_problem(value); !problem.empty()) return fail(problem);
      m_request.targets.push_back(value);
    }
    return std::move(m_request);
  }

  const std::vector<Field>& m_fields;
  Request m_request;
};

ParseResult parse_checked(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (const auto problem = core::find_invalid_utf8(line)) {
    return RequestError{ErrorCode::bad_request,
                        "request is not valid UTF-8 (byte " + std::to_string(problem->offset) + ")",
                        nullptr};
  }
  if (line.find_first_not_of(" \t") == std::string_view::npos) {
    return RequestError{ErrorCode::bad_request, "empty request line", nullptr};
  }
  RequestSax sax;
  json::sax_parse(line.begin(), line.end(), &sax, nlohmann::detail::input_format_t::json, true,
                  false);
  if (sax.too_many_fields()) {
    return RequestError{ErrorCode::bad_request, "request has too many fields", nullptr};
  }
  if (sax.not_object()) {
    return RequestError{ErrorCode::bad_request, "request must be a JSON object", nullptr};
  }
  if (sax.syntax_error_at()) {
    return RequestError{ErrorCode::bad_request,
                        "request is not valid JSON (syntax error at byte " +
                            std::to_string(*sax.syntax_error_at()) + ")",
                        nullptr};
  }
  return Validator(sax.fields()).run(sax.duplicate());
}

}  // namespace

const std::string& Request::target() const {
  assert(targets.size() == 1);
  return targets.front();
}

nlohmann::json Request::to_json() const {
  json out = {{"cmd", std::string(to_string(command))}};
  if (!id.is_null()) out["id"] = id;
  if (targets.size() == 1) {
    out["target"] = targets.front();
  } else if (!targets.empty()) {
    out["target"] = targets;
  }
  if (confirm) out["confirm"] = true;
  if (purge) out["purge"] = true;
  return out;
}

ParseResult parse_request(std::string_view line) {
  try {
    return parse_checked(line);
  } catch (const std::exception&) {
    // The SAX pass and the validator do not throw on any input; allocation failure might.
    return RequestError{ErrorCode::internal, "request could not be processed", nullptr};
  }
}

}  // namespace magent::control
