#pragma once

#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

// migrationctl: the operator's client for the running daemon's control socket.
namespace magent::control {

// The socket migrationctl uses when neither --socket nor MIGRATION_AGENT_SOCKET is set.
inline constexpr std::string_view k_default_socket_path = "/run/migration-agent/control.sock";

// Looks up an environment variable; nullptr when unset.
using EnvLookup = std::function<const char*(const char* name)>;

// The socket path: `flag` if given, else $MIGRATION_AGENT_SOCKET if set and non-empty,
// else k_default_socket_path.
std::string resolve_socket_path(const std::string& flag, const EnvLookup& env);

// Runs migrationctl with `args` (without the program name), writing to `out` and `err`;
// returns the exit code (docs/control-protocol.md, "Exit codes"). Never throws.
int run_migrationctl(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
                     const EnvLookup& env);

// main()'s entry: the process's arguments, stdout, stderr and environment.
int run_migrationctl(int argc, char** argv);

}  // namespace magent::control
