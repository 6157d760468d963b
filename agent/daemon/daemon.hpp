#pragma once

#include <functional>

#include "agent/config/config.hpp"
#include "agent/core/result.hpp"

namespace magent::daemon {

// Loads the configuration again (SIGHUP, control `reload`): file, environment and the
// original command-line flags.
using ConfigLoader = std::function<core::Result<config::Config>()>;

// Runs `migration-agent run` in the foreground until SIGTERM/SIGINT: one Asio event loop
// owns the signals, timers, directory watch, control socket and metrics endpoint; database
// work runs on one worker thread. Returns the process exit code (0 after a clean shutdown,
// 2 when an endpoint cannot start).
int run_daemon(config::Config config, ConfigLoader reload);

}  // namespace magent::daemon
