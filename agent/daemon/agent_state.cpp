#include "agent/daemon/agent_state.hpp"

namespace magent::daemon {

core::StatusSnapshot AgentState::snapshot() const {
  std::lock_guard lock(m_mutex);
  return m_snapshot;
}

void AgentState::update(const std::function<void(core::StatusSnapshot&)>& change) {
  std::lock_guard lock(m_mutex);
  change(m_snapshot);
}

std::shared_ptr<const core::RevisionGraph> AgentState::graph() const {
  std::lock_guard lock(m_mutex);
  return m_graph;
}

void AgentState::set_graph(std::shared_ptr<const core::RevisionGraph> graph) {
  std::lock_guard lock(m_mutex);
  m_graph = std::move(graph);
}

void AgentState::set_paused(bool paused) {
  m_paused.store(paused);
  update([paused](core::StatusSnapshot& s) { s.paused = paused; });
}

}  // namespace magent::daemon
