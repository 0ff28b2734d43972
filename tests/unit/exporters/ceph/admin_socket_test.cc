// The admin socket protocol (admin_socket.h), against real AF_UNIX listeners that speak it
// with canned replies.

#include "exporters/ceph/admin_socket.h"

#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/unit/exporters/ceph/asok_test_support.h"

namespace swarmscope::ceph {
namespace {

using testing::Answer;
using testing::FakeDaemon;
using testing::MakeStaleSocket;
using testing::Pacific;
using testing::Reply;
using testing::TempDir;

template <typename F>
std::string ErrorOf(F&& f) {
  try {
    f();
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "(no error)";
}

using std::chrono::milliseconds;

TEST(AdminSocket, CommandAndReply) {
  TempDir dir;
  FakeDaemon d(dir / "ceph-osd.0.asok", [](const std::string& c) {
    return Answer(c == R"({"prefix":"version"})" ? R"({"version":"16.2.15"})" : "?");
  });
  EXPECT_EQ(
      AdminSocketCommand(dir / "ceph-osd.0.asok", R"({"prefix":"version"})", milliseconds(2000)),
      R"({"version":"16.2.15"})");
  EXPECT_EQ(d.commands(), std::vector<std::string>{R"({"prefix":"version"})"});
}

TEST(AdminSocket, BigReplyAndEmptyReply) {
  TempDir dir;
  std::string big(5 << 20, 'x');
  FakeDaemon d(dir / "s.asok", [&](const std::string& c) { return Answer(c == "big" ? big : ""); });
  EXPECT_EQ(AdminSocketCommand(dir / "s.asok", "big", milliseconds(5000)), big);
  EXPECT_EQ(AdminSocketCommand(dir / "s.asok", "empty", milliseconds(5000)), "");
}

TEST(AdminSocket, Failures) {
  TempDir dir;
  EXPECT_NE(ErrorOf([&] {
              AdminSocketCommand(dir / "missing.asok", "x", milliseconds(500));
            }).find("no such socket"),
            std::string::npos);
  MakeStaleSocket(dir / "stale.asok");
  const std::string refused =
      ErrorOf([&] { AdminSocketCommand(dir / "stale.asok", "x", milliseconds(500)); });
  EXPECT_NE(refused.find("connection refused"), std::string::npos) << refused;
  EXPECT_NE(refused.find(dir / "stale.asok"), std::string::npos) << refused;

  FakeDaemon short_len(dir / "short_len.asok", [](const std::string&) {
    return Reply{"\0\0", false, true};
  });
  EXPECT_NE(ErrorOf([&] {
              AdminSocketCommand(dir / "short_len.asok", "x", milliseconds(2000));
            }).find("short reply"),
            std::string::npos);
  FakeDaemon short_body(dir / "short_body.asok", [](const std::string&) {
    return Reply{std::string("\0\0\0\x64", 4) + "only ten b", false, true};
  });
  const std::string body =
      ErrorOf([&] { AdminSocketCommand(dir / "short_body.asok", "x", milliseconds(2000)); });
  EXPECT_NE(body.find("short reply"), std::string::npos) << body;
  EXPECT_NE(body.find("10 of 100"), std::string::npos) << body;

  FakeDaemon huge(dir / "huge.asok", [](const std::string&) {
    return Reply{std::string("\x7f\xff\xff\xff", 4), false, true};
  });
  EXPECT_NE(ErrorOf([&] {
              AdminSocketCommand(dir / "huge.asok", "x", milliseconds(2000));
            }).find("oversized"),
            std::string::npos);
  FakeDaemon capped(dir / "capped.asok", [](const std::string&) { return Answer("12345"); });
  EXPECT_NE(ErrorOf([&] {
              AdminSocketCommand(dir / "capped.asok", "x", milliseconds(2000), 4);
            }).find("oversized"),
            std::string::npos);

  FakeDaemon refuses(dir / "refuses.asok", [](const std::string&) {
    return Answer(Pacific("asok/osd_counter_dump_refused.txt"));
  });
  const std::string refused_cmd = ErrorOf([&] {
    AdminSocketCommand(dir / "refuses.asok", R"({"prefix":"counter dump"})", milliseconds(2000));
  });
  EXPECT_NE(refused_cmd.find("ERROR: (22) Invalid argument unknown command prefix counter dump"),
            std::string::npos)
      << refused_cmd;

  EXPECT_THROW(AdminSocketCommand(dir / "x.asok", "", milliseconds(100)), std::invalid_argument);
  EXPECT_THROW(AdminSocketCommand(dir / "x.asok", std::string(1024, 'x'), milliseconds(100)),
               std::invalid_argument);
  EXPECT_THROW(AdminSocketCommand(dir / "x.asok", std::string("a\0b", 3), milliseconds(100)),
               std::invalid_argument);
  EXPECT_THROW(AdminSocketCommand(dir / "x.asok", "a\nb", milliseconds(100)),
               std::invalid_argument);
  EXPECT_NE(ErrorOf([&] {
              AdminSocketCommand("/" + std::string(200, 'p'), "x", milliseconds(100));
            }).find("longer than"),
            std::string::npos);
}

TEST(AdminSocket, TimeoutHoldsWhenTheDaemonNeverAnswers) {
  TempDir dir;
  FakeDaemon hung(dir / "hung.asok", [](const std::string&) { return Reply{"", true, false}; });
  const auto start = std::chrono::steady_clock::now();
  const std::string error =
      ErrorOf([&] { AdminSocketCommand(dir / "hung.asok", "x", milliseconds(200)); });
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_NE(error.find("timed out after 200 ms"), std::string::npos) << error;
  EXPECT_LT(took, std::chrono::seconds(5));  // a hang detector, not a performance bound
  // The length arrived, the payload never does.
  FakeDaemon half(dir / "half.asok", [](const std::string&) {
    return Reply{std::string("\0\0\0\x10", 4), true, true};
  });
  EXPECT_NE(ErrorOf([&] {
              AdminSocketCommand(dir / "half.asok", "x", milliseconds(200));
            }).find("timed out"),
            std::string::npos);
}

}  // namespace
}  // namespace swarmscope::ceph
