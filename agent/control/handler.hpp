#pragma once

#include <memory>

#include <nlohmann/json.hpp>

#include "agent/control/authorization.hpp"
#include "agent/control/protocol.hpp"

namespace magent::control {

// Where a command's answer goes. Thread-safe: any thread may call it, at any time, even
// after the client has gone (the lines are then dropped). Lines sent from one thread
// reach the client in the order they were sent. The server adds the request's "id".
class ReplyStream {
 public:
  virtual ~ReplyStream() = default;
  // Sends a progress line before the final reply: `line` is the progress object itself
  // (e.g. make_step_progress(...)), sent as {"progress": line}. Ignored after finish().
  virtual void progress(nlohmann::json line) = 0;
  // Sends the final reply, {"ok": true, ...} or make_error_reply(...). The first call
  // counts; later calls are ignored. A reply that is not an object with a boolean "ok" is
  // replaced by an `internal` error. If the last reference to the stream goes away before
  // finish(), the client gets an `internal` error instead of waiting forever.
  virtual void finish(nlohmann::json reply) = 0;
};

// What the daemon implements to run commands. The server calls handle() on the
// io_context's thread, once per authorized request, one request per connection at a time.
class CommandHandler {
 public:
  virtual ~CommandHandler() = default;
  // Starts `request` for `peer` and returns promptly; the answer goes to `reply`, now or
  // later, from any thread. Mutating requests must be audited with `peer` (log + ledger).
  // Exceptions escaping handle() become an `internal` error reply.
  virtual void handle(const Request& request, const Peer& peer,
                      std::shared_ptr<ReplyStream> reply) = 0;
};

}  // namespace magent::control
