#pragma once

#include "agent/cli/invocation.hpp"

namespace magent::cli {

// The one-shot verbs (DESIGN.md section 10). Each returns the process exit code.
int verb_current(const Invocation& inv);
int verb_heads(const Invocation& inv);
int verb_history(const Invocation& inv);
int verb_plan(const Invocation& inv);
int verb_check(const Invocation& inv);
int verb_wait(const Invocation& inv);
int verb_upgrade(const Invocation& inv);
int verb_downgrade(const Invocation& inv);
int verb_stamp(const Invocation& inv);
int verb_run(const Invocation& inv);

}  // namespace magent::cli
