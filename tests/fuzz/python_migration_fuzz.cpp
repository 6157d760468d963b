// libFuzzer target: one Alembic revision file (.py) through the static reader
// (core::parse_python_migration), under an ordinary name and under Alembic 0.1's
// "<hex>.py" name. Nothing in a .py file may crash the reader, and it never executes
// anything: the result is a Revision or one ErrorKind::parse error naming file and line.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "agent/core/python_migration.hpp"
#include "agent/core/result.hpp"
#include "agent/core/revision.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace {

using magent::fuzz::require;

void check(std::string_view path, std::string_view text) {
  const auto parsed = magent::core::parse_python_migration(path, text);
  if (!parsed) {
    const auto& error = parsed.error();
    require(error.kind == magent::core::ErrorKind::parse, "error kind is not parse");
    const std::string prefix = std::string(path) + ":";
    require(error.message.rfind(prefix, 0) == 0, "error does not start with the path");
    require(error.message.size() > prefix.size() && error.message[prefix.size()] >= '0' &&
                error.message[prefix.size()] <= '9',
            "error does not name a line");
    return;
  }
  require(!parsed->id.empty(), "revision without an id");
  require(parsed->kind == magent::core::FileKind::python, "a .py file read as another kind");
  require(parsed->sql == nullptr, "a .py revision with SQL sections");
  require(parsed->path == path, "path not kept");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  check("versions/add_phone.py", text);
  check("1975ea83b712.py", text);
  return 0;
}
