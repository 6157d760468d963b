#pragma once

#include <functional>
#include <memory>

#include "agent/control/handler.hpp"
#include "agent/daemon/agent_state.hpp"
#include "agent/daemon/reconciler.hpp"
#include "agent/daemon/worker.hpp"

namespace magent::daemon {

// The daemon's answers to control-socket commands. Read-only commands answer from the
// shared state; anything that touches the database runs as a job on the worker, so manual
// migrations queue behind (never beside) the daemon's own checks and share its lock.
class ControlHandler final : public control::CommandHandler {
 public:
  // What the event loop does for `reload` (re-read the configuration, like SIGHUP).
  using ReloadAction = std::function<void()>;

  ControlHandler(Worker& worker, Reconciler& reconciler, AgentState& state, ReloadAction reload);

  void handle(const control::Request& request, const control::Peer& peer,
              std::shared_ptr<control::ReplyStream> reply) override;

 private:
  void run_migration(const control::Request& request, const control::Peer& peer,
                     std::shared_ptr<control::ReplyStream> reply);

  Worker& m_worker;
  Reconciler& m_reconciler;
  AgentState& m_state;
  ReloadAction m_reload;
};

}  // namespace magent::daemon
