#include "agent/control/server.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <thread>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "agent/control/client.hpp"
#include "agent/control/replies.hpp"
#include "tests/support/control_harness.hpp"

namespace magent::control {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using test::ControlServerHarness;
using test::RawClient;

config::ControlConfig fast_limits() {
  config::ControlConfig config;
  config.idle_timeout = 5'000ms;
  config.request_timeout = 300ms;
  return config;
}

mode_t mode_of(const std::string& path) {
  struct stat info {};
  EXPECT_EQ(::lstat(path.c_str(), &info), 0) << path;
  return info.st_mode & 07777;
}

TEST(ControlServer, AnswersStatusAndEchoesId) {
  ControlServerHarness harness;
  harness.handler().set_behavior(
      [](const Request&, const Peer&, std::shared_ptr<ReplyStream> reply) {
        core::StatusSnapshot status;
        status.revisions = {"b2"};
        reply->finish(make_status_reply(status));
      });
  RawClient client(harness.socket());
  const json reply = client.request(R"({"cmd": "status", "id": "q1"})");
  EXPECT_EQ(reply["ok"], true);
  EXPECT_EQ(reply["id"], "q1");
  EXPECT_EQ(reply["revisions"], json::array({"b2"}));
}

TEST(ControlServer, PassesPeerCredentialsFromTheKernel) {
  ControlServerHarness harness;
  RawClient client(harness.socket());
  EXPECT_EQ(client.request(R"({"cmd": "pause"})")["ok"], true);
  const auto calls = harness.handler().calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].request.command, Command::pause);
  EXPECT_EQ(calls[0].peer.uid, ::getuid());
  EXPECT_EQ(calls[0].peer.gid, ::getgid());
  EXPECT_EQ(calls[0].peer.pid, ::getpid());
}

TEST(ControlServer, CreatesDirectory0750AndSocket0660) {
  test::TempDir dir;
  config::ControlConfig config;
  config.socket = (dir.path() / "run" / "agent" / "control.sock").string();
  ControlServerHarness harness(config);
  EXPECT_EQ(mode_of((dir.path() / "run").string()), 0750u);
  EXPECT_EQ(mode_of((dir.path() / "run" / "agent").string()), 0750u);
  EXPECT_EQ(mode_of(config.socket), 0660u);
  struct stat info {};
  ASSERT_EQ(::lstat(config.socket.c_str(), &info), 0);
  EXPECT_TRUE(S_ISSOCK(info.st_mode));
}

TEST(ControlServer, LeavesAnExistingDirectoryModeAlone) {
  ControlServerHarness harness;  // socket directly in the TempDir (mode 0700 from mkdtemp)
  EXPECT_EQ(mode_of(harness.dir().path().string()), 0700u);
}

TEST(ControlServer, ReplacesStaleSocket) {
  test::TempDir dir;
  const std::string path = (dir.path() / "control.sock").string();
  {  // a socket file nobody listens on, as a crashed daemon leaves it
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strcpy(address.sun_path, path.c_str());
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    ::close(fd);
  }
  config::ControlConfig config;
  config.socket = path;
  ControlServerHarness harness(config);
  RawClient client(path);
  EXPECT_EQ(client.request(R"({"cmd": "status"})")["ok"], true);
}

TEST(ControlServer, RefusesToTakeOverALiveSocket) {
  ControlServerHarness first;
  asio::io_context io;
  test::FakeCommandHandler handler;
  config::ControlConfig config;
  config.socket = first.socket();
  auto second = Server::start(io, config, handler);
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().message.find("in use"), std::string::npos) << second.error().message;
  RawClient client(first.socket());
  EXPECT_EQ(client.request(R"({"cmd": "status"})")["ok"], true);
}

TEST(ControlServer, NeverRemovesANonSocketFile) {
  test::TempDir dir;
  const auto path = dir.write("control.sock", "precious");
  asio::io_context io;
  test::FakeCommandHandler handler;
  config::ControlConfig config;
  config.socket = path.string();
  auto server = Server::start(io, config, handler);
  ASSERT_FALSE(server);
  EXPECT_NE(server.error().message.find("not a socket"), std::string::npos);
  EXPECT_EQ(test::read_file(path), "precious");
}

TEST(ControlServer, RejectsSocketPathTooLongForSockaddr) {
  asio::io_context io;
  test::FakeCommandHandler handler;
  config::ControlConfig config;
  config.socket = "/tmp/" + std::string(200, 'x') + ".sock";
  auto server = Server::start(io, config, handler);
  ASSERT_FALSE(server);
  EXPECT_EQ(server.error().kind, core::ErrorKind::config);
}

TEST(ControlServer, GarbageLineGetsBadRequestAndConnectionStaysUsable) {
  ControlServerHarness harness;
  RawClient client(harness.socket());
  const json garbage = client.request("hello there");
  EXPECT_EQ(garbage["ok"], false);
  EXPECT_EQ(garbage["code"], "bad_request");
  const json unknown = client.request(R"({"cmd": "explode", "id": 9})");
  EXPECT_EQ(unknown["code"], "unknown_command");
  EXPECT_EQ(unknown["id"], 9);
  EXPECT_EQ(client.request(R"({"cmd": "status"})")["ok"], true);
  EXPECT_TRUE(harness.handler().calls().size() == 1u);
}

TEST(ControlServer, InvalidUtf8GetsBadRequest) {
  ControlServerHarness harness;
  RawClient client(harness.socket());
  const json reply = client.request("{\"cmd\": \"status\", \"id\": \"\xFF\xFE\"}");
  EXPECT_EQ(reply["code"], "bad_request");
  EXPECT_TRUE(harness.handler().calls().empty());
}

TEST(ControlServer, OversizedLineGetsTooLargeAndIsClosed) {
  config::ControlConfig config;
  config.max_request_bytes = 1024;
  ControlServerHarness harness(config);
  RawClient client(harness.socket());
  client.write(std::string(4096, 'x'));  // no newline needed: the limit is hit first
  const json reply = client.read_json(5s);
  EXPECT_EQ(reply["code"], "too_large");
  EXPECT_TRUE(client.wait_closed(5s));
  EXPECT_TRUE(harness.handler().calls().empty());
}

TEST(ControlServer, LineExactlyAtTheLimitIsAccepted) {
  config::ControlConfig config;
  config.max_request_bytes = 64;
  ControlServerHarness harness(config);
  std::string line = R"({"cmd": "status"})";
  line += std::string(64 - line.size(), ' ');
  RawClient client(harness.socket());
  EXPECT_EQ(client.request(line)["ok"], true);
}

TEST(ControlServer, HalfSentRequestTimesOutWhileOthersAreServed) {
  ControlServerHarness harness(fast_limits());
  RawClient slow(harness.socket());
  ASSERT_TRUE(slow.write(R"({"cmd": "sta)"));
  RawClient quick(harness.socket());
  EXPECT_EQ(quick.request(R"({"cmd": "status"})")["ok"], true);
  const json reply = slow.read_json(5s);
  EXPECT_EQ(reply["code"], "timeout");
  EXPECT_TRUE(slow.wait_closed(5s));
  EXPECT_TRUE(harness.wait_for_event(ServerEvent::Kind::request_timeout, 1s));
  EXPECT_EQ(quick.request(R"({"cmd": "status"})")["ok"], true);
}

TEST(ControlServer, TricklingBytesDoNotExtendTheRequestTimeout) {
  ControlServerHarness harness(fast_limits());
  RawClient slow(harness.socket());
  const auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < 20 && slow.write("{"); ++i) std::this_thread::sleep_for(50ms);
  EXPECT_TRUE(slow.wait_closed(5s));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
}

TEST(ControlServer, IdleConnectionIsClosed) {
  config::ControlConfig config;
  config.idle_timeout = 200ms;
  ControlServerHarness harness(config);
  RawClient idle(harness.socket());
  EXPECT_TRUE(idle.wait_closed(5s));
  EXPECT_TRUE(harness.wait_for_event(ServerEvent::Kind::idle_timeout, 1s));
}

TEST(ControlServer, ClientThatShutsDownWritingStillGetsItsReply) {
  ControlServerHarness harness;
  RawClient client(harness.socket());
  client.write(R"({"cmd": "status", "id": 1})");  // no newline, as `printf ... | socat` sends
  client.shutdown_write();
  const json reply = client.read_json(5s);
  EXPECT_EQ(reply["ok"], true);
  EXPECT_EQ(reply["id"], 1);
  EXPECT_TRUE(client.wait_closed(5s));
}

TEST(ControlServer, PipelinedRequestsAreAnsweredInOrder) {
  ControlServerHarness harness;
  RawClient client(harness.socket());
  client.write(
      "{\"cmd\": \"status\", \"id\": 1}\n{\"cmd\": \"bogus\", \"id\": 2}\n"
      "{\"cmd\": \"check\", \"id\": 3}\n");
  EXPECT_EQ(client.read_json(5s)["id"], 1);
  EXPECT_EQ(client.read_json(5s)["id"], 2);
  const json third = client.read_json(5s);
  EXPECT_EQ(third["id"], 3);
  EXPECT_EQ(third["cmd"], "check");
}

TEST(ControlServer, BusyWhenMaxConnectionsReached) {
  config::ControlConfig config;
  config.max_connections = 2;
  ControlServerHarness harness(config);
  RawClient first(harness.socket());
  RawClient second(harness.socket());
  EXPECT_EQ(first.request(R"({"cmd": "status"})")["ok"], true);
  EXPECT_EQ(second.request(R"({"cmd": "status"})")["ok"], true);
  RawClient third(harness.socket());
  const json reply = third.read_json(5s);
  EXPECT_EQ(reply["code"], "busy");
  EXPECT_TRUE(third.wait_closed(5s));
  EXPECT_TRUE(harness.wait_for_event(ServerEvent::Kind::rejected_busy, 1s));
}

TEST(ControlServer, TwoHundredConcurrentClientsAreAllAnswered) {
  config::ControlConfig config;
  config.max_connections = 256;
  ControlServerHarness harness(config);
  harness.handler().set_behavior(
      [&](const Request& request, const Peer&, std::shared_ptr<ReplyStream> reply) {
        harness.handler().spawn([reply, id = request.id] {
          std::this_thread::sleep_for(20ms);  // all 200 are open at once
          reply->finish({{"ok", true}, {"echo", id}});
        });
      });
  std::atomic<int> answered{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < 200; ++i) {
    clients.emplace_back([&, i] {
      const auto deadline = std::chrono::steady_clock::now() + 20s;
      auto client = Client::connect(harness.socket(), deadline);
      if (!client) return;
      if (!client->send({{"cmd", "status"}, {"id", i}}, deadline)) return;
      auto reply = client->read_reply({}, deadline);
      if (reply && reply->reply["ok"] == true && reply->reply["echo"] == i) ++answered;
    });
  }
  for (auto& client : clients) client.join();
  EXPECT_EQ(answered.load(), 200);
}

TEST(ControlServer, ClientThatNeverReadsDoesNotStallOthers) {
  config::ControlConfig config;
  config.idle_timeout = 500ms;
  ControlServerHarness harness(config);
  const std::string big(100'000, 'r');
  harness.handler().set_behavior(
      [&](const Request&, const Peer&, std::shared_ptr<ReplyStream> reply) {
        reply->finish({{"ok", true}, {"blob", big}});
      });
  RawClient hog(harness.socket());
  std::string pipelined;
  for (int i = 0; i < 100; ++i) pipelined += "{\"cmd\": \"status\"}\n";
  ASSERT_TRUE(hog.write(pipelined));  // ~10 MB of replies it will never read

  for (int i = 0; i < 5; ++i) {
    RawClient polite(harness.socket());
    const auto started = std::chrono::steady_clock::now();
    EXPECT_EQ(polite.request(R"({"cmd": "status"})")["ok"], true);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 1s);
  }
  // The hog is dropped once its replies have been stuck for idle_timeout.
  EXPECT_TRUE(harness.wait_for_event(ServerEvent::Kind::idle_timeout, 5s));
  EXPECT_TRUE(hog.wait_closed(5s));
}

TEST(ControlServer, StreamingToAClientThatNeverReadsIsCappedThenDropped) {
  ServerOptions options;
  options.max_queued_output_bytes = 256 * 1024;
  ControlServerHarness harness({}, options);
  std::atomic<bool> done{false};
  harness.handler().set_behavior(
      [&](const Request& request, const Peer&, std::shared_ptr<ReplyStream> reply) {
        if (request.command != Command::upgrade) return reply->finish({{"ok", true}});
        harness.handler().spawn([reply, &done] {
          const std::string text(1000, 'p');
          for (int i = 0; i < 5000; ++i) reply->progress(make_message_progress(text));  // ~5 MB
          reply->finish({{"ok", true}});
          done = true;
        });
      });
  RawClient hog(harness.socket());
  ASSERT_TRUE(hog.write("{\"cmd\": \"upgrade\"}\n"));
  EXPECT_TRUE(harness.wait_for_event(ServerEvent::Kind::slow_reader_dropped, 10s));
  harness.handler().join_workers();
  EXPECT_TRUE(done);
  RawClient polite(harness.socket());
  EXPECT_EQ(polite.request(R"({"cmd": "status"})")["ok"], true);
}

TEST(ControlServer, ProgressLinesFromAWorkerThreadPrecedeTheFinalReply) {
  ControlServerHarness harness;
  harness.handler().set_behavior(
      [&](const Request& request, const Peer&, std::shared_ptr<ReplyStream> reply) {
        if (request.command != Command::upgrade) return reply->finish({{"ok", true}});
        harness.handler().spawn([reply, target = request.target()] {
          reply->progress(make_lock_progress(LockState::acquired, std::nullopt));
          for (const char* revision : {"a1", "b2"}) {
            std::this_thread::sleep_for(10ms);
            reply->progress(make_step_progress({revision, "upgrade", StepState::applied, 12, ""}));
          }
          reply->finish({{"ok", true}, {"target", target}, {"steps_applied", 2}});
          reply->progress(make_message_progress("too late"));  // ignored after finish
        });
      });
  RawClient client(harness.socket());
  client.write("{\"cmd\": \"upgrade\", \"id\": 5}\n");
  const json lock = client.read_json(5s);
  EXPECT_EQ(lock["progress"]["event"], "lock");
  EXPECT_EQ(lock["id"], 5);
  EXPECT_FALSE(lock.contains("ok"));
  EXPECT_EQ(client.read_json(5s)["progress"]["revision"], "a1");
  EXPECT_EQ(client.read_json(5s)["progress"]["revision"], "b2");
  const json final_reply = client.read_json(5s);
  EXPECT_EQ(final_reply["ok"], true);
  EXPECT_EQ(final_reply["target"], "heads");
  EXPECT_EQ(final_reply["id"], 5);
  harness.handler().join_workers();
  EXPECT_EQ(client.request(R"({"cmd": "status"})")["ok"], true);  // nothing stray in between
}

TEST(ControlServer, HandlerThatThrowsOrDropsTheStreamYieldsInternalError) {
  ControlServerHarness harness;
  harness.handler().set_behavior(
      [](const Request& request, const Peer&, std::shared_ptr<ReplyStream>) {
        if (request.command == Command::history) throw std::runtime_error("boom");
        // Otherwise the stream is dropped without finish().
      });
  RawClient client(harness.socket());
  const json thrown = client.request(R"({"cmd": "history", "id": 1})");
  EXPECT_EQ(thrown["code"], "internal");
  EXPECT_EQ(thrown["id"], 1);
  EXPECT_NE(thrown["error"].get<std::string>().find("boom"), std::string::npos);
  EXPECT_EQ(client.request(R"({"cmd": "check"})")["code"], "internal");
}

TEST(ControlServer, MalformedFinalReplyBecomesInternalError) {
  ControlServerHarness harness;
  harness.handler().set_behavior(
      [](const Request&, const Peer&, std::shared_ptr<ReplyStream> reply) {
        reply->finish({{"result", "no ok field"}});
      });
  RawClient client(harness.socket());
  EXPECT_EQ(client.request(R"({"cmd": "status"})")["code"], "internal");
}

TEST(ControlServer, StopClosesConnectionsRemovesSocketAndIgnoresLateReplies) {
  auto harness = std::make_unique<ControlServerHarness>();
  std::shared_ptr<ReplyStream> held;
  std::mutex mutex;
  harness->handler().set_behavior(
      [&](const Request&, const Peer&, std::shared_ptr<ReplyStream> reply) {
        std::lock_guard lock(mutex);
        held = std::move(reply);
      });
  RawClient client(harness->socket());
  client.write("{\"cmd\": \"upgrade\"}\n");
  for (int i = 0; i < 100 && harness->handler().calls().empty(); ++i)
    std::this_thread::sleep_for(10ms);
  ASSERT_EQ(harness->handler().calls().size(), 1u);
  const std::string socket = harness->socket();
  harness->stop();
  EXPECT_TRUE(client.wait_closed(5s));
  EXPECT_FALSE(std::filesystem::exists(socket));
  harness.reset();
  std::lock_guard lock(mutex);
  held->progress(make_message_progress("after the server is gone"));
  held->finish({{"ok", true}});
  held.reset();
}

}  // namespace
}  // namespace magent::control
