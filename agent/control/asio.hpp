#pragma once

// The Asio headers the control server uses. GCC 12 reports a false "potential null pointer
// dereference" inside Asio's scheduler (scheduler.ipp, thread_info) when -Wnull-dereference
// is on; it is silenced here, for Asio's code only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <asio/io_context.hpp>
#include <asio/local/stream_protocol.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/strand.hpp>
#include <asio/write.hpp>
#pragma GCC diagnostic pop
