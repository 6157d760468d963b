#pragma once

// The Asio headers the daemon uses, included through here only. GCC 12 reports a false
// "potential null pointer dereference" inside Asio's scheduler (thread_info) when
// -Wnull-dereference is on; it is silenced for Asio's code only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <asio/error.hpp>
#include <asio/io_context.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/steady_timer.hpp>
#pragma GCC diagnostic pop
