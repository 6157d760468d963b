#include "agent/daemon/control_handler.hpp"

#include <spdlog/spdlog.h>

#include "agent/control/authorization.hpp"
#include "agent/control/protocol.hpp"
#include "agent/control/replies.hpp"
#include "agent/core/planner.hpp"

namespace magent::daemon {
namespace {

using control::Command;
using nlohmann::json;

core::Assessment assessment_of(const core::StatusSnapshot& s) {
  core::Assessment a;
  a.drift = s.drift;
  a.pending_revisions = s.pending;
  a.at_heads = s.pending.empty() && !a.has(core::DriftKind::unknown_revision);
  return a;
}

db::Operation operation_of(Command command) {
  switch (command) {
    case Command::downgrade:
      return db::Operation::downgrade;
    case Command::stamp:
      return db::Operation::stamp;
    default:
      return db::Operation::upgrade;
  }
}

json step_reply(const db::StepResult& r) {
  json out = {{"revision", r.revision.empty() ? json(nullptr) : json(r.revision)},
              {"direction", r.revision.empty() ? "stamp" : std::string(core::to_string(r.direction))},
              {"succeeded", r.succeeded},
              {"duration_ms", r.duration.count()}};
  if (!r.succeeded) out["error"] = r.error;
  return out;
}

}  // namespace

ControlHandler::ControlHandler(Worker& worker, Reconciler& reconciler, AgentState& state,
                               ReloadAction reload)
    : m_worker(worker), m_reconciler(reconciler), m_state(state), m_reload(std::move(reload)) {}

void ControlHandler::handle(const control::Request& request, const control::Peer& peer,
                            std::shared_ptr<control::ReplyStream> reply) {
  switch (request.command) {
    case Command::status:
      reply->finish(control::make_status_reply(m_state.snapshot()));
      return;
    case Command::history: {
      auto graph = m_state.graph();
      if (!graph) {
        reply->finish(control::make_error_reply(core::make_error(
            core::ErrorKind::parse, "the migrations directory has problems; see `status`")));
        return;
      }
      json revisions = json::array();
      for (core::NodeId n : core::history_order(*graph)) {
        revisions.push_back(control::to_json(graph->revision(n)));
      }
      reply->finish({{"ok", true}, {"revisions", revisions}});
      return;
    }
    case Command::check:
      m_worker.post([this, reply] {
        m_reconciler.check(false);
        reply->finish(control::make_check_reply(assessment_of(m_state.snapshot())));
      });
      return;
    case Command::plan: {
      std::string target = request.target();
      m_worker.post([this, reply, target] {
        auto plan = m_reconciler.plan(target);  // rendered here, while its graph is current
        reply->finish(plan ? control::make_plan_reply(target, *plan)
                           : control::make_error_reply(plan.error()));
      });
      return;
    }
    case Command::pause:
    case Command::resume: {
      const bool pause = request.command == Command::pause;
      m_state.set_paused(pause);
      spdlog::info("audit: automatic migration {} by {}", pause ? "paused" : "resumed",
                   control::describe(peer));
      reply->finish({{"ok", true}, {"paused", pause}});
      return;
    }
    case Command::reload:
      spdlog::info("audit: configuration reload requested by {}", control::describe(peer));
      m_reload();
      reply->finish({{"ok", true}});
      return;
    case Command::upgrade:
    case Command::downgrade:
    case Command::stamp:
      run_migration(request, peer, std::move(reply));
      return;
  }
}

void ControlHandler::run_migration(const control::Request& request, const control::Peer& peer,
                                   std::shared_ptr<control::ReplyStream> reply) {
  db::MigrateRequest migrate;
  migrate.operation = operation_of(request.command);
  migrate.targets = request.targets;
  migrate.purge = request.purge ? core::Purge::yes : core::Purge::no;
  migrate.trigger = db::LedgerTrigger::manual;
  migrate.peer_uid = peer.uid;
  migrate.peer_pid = peer.pid;
  migrate.allow_empty_result = request.confirm;
  std::string targets;
  for (const auto& t : request.targets) targets += (targets.empty() ? "" : " ") + t;
  spdlog::info("audit: {} {}{} requested by {}", control::to_string(request.command), targets,
               request.purge ? " --purge" : "", control::describe(peer));
  const std::string operation(control::to_string(request.command));
  m_worker.post([this, migrate, reply, operation, targets] {
    auto observer = [&reply](const core::Step& step, const db::StepResult* finished) {
      control::StepProgress progress;
      progress.revision = step.revision ? step.revision->id : "";
      progress.direction =
          step.revision ? std::string(core::to_string(step.direction)) : std::string("stamp");
      if (finished) {
        progress.state = finished->succeeded ? control::StepState::applied
                                             : control::StepState::failed;
        progress.duration_ms = finished->duration.count();
        progress.error = finished->error;
      }
      reply->progress(control::make_step_progress(progress));
    };
    auto result = m_reconciler.run_manual(migrate, observer);
    if (!result) {
      reply->finish(control::make_error_reply(result.error()));
      return;
    }
    json steps = json::array();
    int applied = 0;
    for (const auto& step : result->steps) {
      steps.push_back(step_reply(step));
      applied += step.succeeded ? 1 : 0;
    }
    reply->finish({{"ok", true},
                   {"operation", operation},
                   {"target", targets},
                   {"steps_applied", applied},
                   {"steps", steps},
                   {"revisions", result->heads_after}});
  });
}

}  // namespace magent::daemon
