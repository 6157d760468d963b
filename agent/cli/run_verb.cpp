// `migration-agent run`: the daemon.
#include "agent/cli/verbs.hpp"
#include "agent/daemon/daemon.hpp"

namespace magent::cli {

int verb_run(const Invocation& inv) {
  config::Overrides overrides = inv.options().overrides;
  auto reload = [overrides]() {
    return config::load_config(overrides, config::current_environment(), config::read_text_file);
  };
  return daemon::run_daemon(inv.config(), reload);
}

}  // namespace magent::cli
