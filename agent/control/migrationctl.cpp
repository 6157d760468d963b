#include "agent/control/migrationctl.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <optional>

// GCC 12 reports a false "potential null pointer dereference" inside CLI11's string
// helpers (CLI::detail::split) under -Wnull-dereference; silenced for CLI11's code only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <CLI/CLI.hpp>
#pragma GCC diagnostic pop

#include "agent/control/client.hpp"
#include "agent/control/protocol.hpp"
#include "agent/control/render.hpp"
#include "agent/version.hpp"

namespace magent::control {
namespace {

constexpr int k_exit_usage = 2;
// --timeout's default for commands that answer at once; runs (upgrade, downgrade, stamp)
// wait as long as the daemon takes, since it bounds lock waits and steps itself.
constexpr double k_default_timeout_seconds = 60;

enum class OutputFormat { human, json };

// migrationctl's command line, parsed.
struct Invocation {
  std::string socket;
  OutputFormat format = OutputFormat::human;
  std::optional<double> timeout_seconds;  // nullopt = the command's default
  Request request;
  bool yes = false;  // downgrade --yes
};

// Parses `args` into an Invocation; nullopt with the exit code when migrationctl should
// stop here (help, version, usage error), having printed why.
std::optional<Invocation> parse_arguments(const std::vector<std::string>& args, std::ostream& out,
                                          std::ostream& err, int& exit_code) {
  Invocation invocation;
  bool json = false;
  double timeout = -1;
  std::string target;
  std::vector<std::string> stamp_targets;
  bool purge = false;

  CLI::App app{"migrationctl: operate a running migration-agent through its control socket",
               "migrationctl"};
  app.set_version_flag("--version", std::string("migrationctl ") + k_version);
  app.fallthrough();  // global flags may follow the verb
  app.require_subcommand(1, 1);
  app.add_option("--socket", invocation.socket,
                 "control socket (default: $MIGRATION_AGENT_SOCKET, else " +
                     std::string(k_default_socket_path) + ")");
  app.add_flag("--json", json, "print the daemon's raw JSON reply lines");
  app.add_option("--timeout", timeout,
                 "give up after S seconds (0 = never; default 60, none for upgrade, downgrade, "
                 "stamp)")
      ->check(CLI::NonNegativeNumber);

  app.add_subcommand("status", "where the database and the agent stand");
  app.add_subcommand("history", "the revision graph, newest first");
  app.add_subcommand("check", "exit 0 when at the heads with no drift, else 1 and the reasons");
  app.add_subcommand("plan", "the steps an upgrade would take")
      ->add_option("target", target, "revision identifier (default heads)");
  app.add_subcommand("upgrade", "apply pending revisions now")
      ->add_option("target", target, "revision identifier (default heads)");
  CLI::App* downgrade = app.add_subcommand("downgrade", "revert to TARGET (needs --yes)");
  downgrade->add_option("target", target, "revision identifier, e.g. -1 or base")->required();
  downgrade->add_flag("--yes,-y", invocation.yes, "confirm the downgrade");
  CLI::App* stamp = app.add_subcommand("stamp", "set alembic_version without running migrations");
  stamp->add_option("target", stamp_targets, "revision identifier(s)")->required();
  stamp->add_flag("--purge", purge, "empty alembic_version first");
  app.add_subcommand("pause", "pause automatic migration");
  app.add_subcommand("resume", "resume automatic migration");
  app.add_subcommand("reload", "re-read the migrations directory and configuration");

  try {
    std::vector<std::string> reversed(args.rbegin(), args.rend());
    app.parse(reversed);
  } catch (const CLI::ParseError& error) {
    const int code = app.exit(error, out, err);
    exit_code = code == 0 ? 0 : k_exit_usage;
    return std::nullopt;
  }

  const CLI::App* verb = app.get_subcommands().front();
  invocation.request.command = *command_from_string(verb->get_name());
  invocation.format = json ? OutputFormat::json : OutputFormat::human;
  if (timeout >= 0) invocation.timeout_seconds = timeout;
  Request& request = invocation.request;
  request.id = 1;
  switch (request.command) {
    case Command::plan:
    case Command::upgrade:
      request.targets.push_back(target.empty() ? "heads" : target);
      break;
    case Command::downgrade:
      request.targets.push_back(target);
      request.confirm = invocation.yes;
      break;
    case Command::stamp:
      request.targets = stamp_targets;
      request.purge = purge;
      break;
    default:
      break;
  }
  return invocation;
}

Deadline deadline_for(const Invocation& invocation) {
  const Command command = invocation.request.command;
  const bool run =
      command == Command::upgrade || command == Command::downgrade || command == Command::stamp;
  const double seconds = invocation.timeout_seconds.value_or(run ? 0 : k_default_timeout_seconds);
  if (seconds <= 0) return std::nullopt;
  const auto budget = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(std::min(seconds, 1e9)));
  return std::chrono::steady_clock::now() + budget;
}

int execute(const Invocation& invocation, std::ostream& out, std::ostream& err) {
  const Request& request = invocation.request;
  const std::string_view verb = to_string(request.command);
  if (request.command == Command::downgrade && !request.confirm) {
    err << "migrationctl: downgrade reverts schema changes and may drop data; re-run with --yes "
           "to confirm (migrationctl downgrade "
        << request.target() << " --yes)\n";
    return k_exit_usage;
  }
  const Deadline deadline = deadline_for(invocation);
  auto fail = [&](const core::Error& error) {
    err << "migrationctl: " << error.message << "\n";
    return error.kind == core::ErrorKind::usage ? k_exit_usage : k_exit_daemon_unavailable;
  };
  core::Result<Client> client = Client::connect(invocation.socket, deadline);
  if (!client) return fail(client.error());
  if (auto sent = client->send(request.to_json(), deadline); !sent) return fail(sent.error());

  const bool json = invocation.format == OutputFormat::json;
  core::Result<FinalReply> final_reply = client->read_reply(
      [&](const nlohmann::json& line, std::string_view raw) {
        if (json) {
          out << raw << "\n";
        } else if (std::string text = render_progress(line); !text.empty()) {
          out << text << "\n";
        }
        out.flush();
      },
      deadline);
  if (!final_reply) return fail(final_reply.error());
  const nlohmann::json& reply = final_reply->reply;
  const int exit_code = exit_code_for_reply(request.command, reply);
  if (json) {
    out << final_reply->raw << "\n";
  } else if (reply.value("ok", false) == true) {
    out << render_reply(request.command, reply);
  } else {
    err << "migrationctl: " << verb << " failed: " << render_error(reply) << "\n";
  }
  out.flush();
  return exit_code;
}

}  // namespace

std::string resolve_socket_path(const std::string& flag, const EnvLookup& env) {
  if (!flag.empty()) return flag;
  if (env) {
    const char* from_env = env("MIGRATION_AGENT_SOCKET");
    if (from_env != nullptr && *from_env != '\0') return from_env;
  }
  return std::string(k_default_socket_path);
}

int run_migrationctl(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
                     const EnvLookup& env) {
  try {
    int exit_code = 0;
    std::optional<Invocation> invocation = parse_arguments(args, out, err, exit_code);
    if (!invocation) return exit_code;
    invocation->socket = resolve_socket_path(invocation->socket, env);
    return execute(*invocation, out, err);
  } catch (const std::exception& failure) {
    err << "migrationctl: " << failure.what() << "\n";
    return k_exit_usage;
  }
}

int run_migrationctl(int argc, char** argv) {
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
  return run_migrationctl(args, std::cout, std::cerr,
                          [](const char* name) -> const char* { return std::getenv(name); });
}

}  // namespace magent::control
