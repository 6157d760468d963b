#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>

#include "agent/core/revision_graph.hpp"
#include "agent/core/status.hpp"

namespace magent::daemon {

// The agent's shared picture: the latest StatusSnapshot and revision graph. Written by the
// worker thread, read by the event loop, the control socket and the metrics endpoint.
class AgentState {
 public:
  // A copy of the latest snapshot.
  core::StatusSnapshot snapshot() const;
  // Changes the snapshot under the lock.
  void update(const std::function<void(core::StatusSnapshot&)>& change);

  // The graph of the last good scan (nullptr until one succeeds).
  std::shared_ptr<const core::RevisionGraph> graph() const;
  void set_graph(std::shared_ptr<const core::RevisionGraph> graph);

  // Operator's pause of automatic migration (control socket pause/resume).
  bool paused() const { return m_paused.load(); }
  void set_paused(bool paused);

 private:
  mutable std::mutex m_mutex;
  core::StatusSnapshot m_snapshot;
  std::shared_ptr<const core::RevisionGraph> m_graph;
  std::atomic<bool> m_paused{false};
};

}  // namespace magent::daemon
