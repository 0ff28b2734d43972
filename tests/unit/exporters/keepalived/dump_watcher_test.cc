// The dump directory as keepalived writes it: a file is used once complete; garbage and
// half-written files are counted and leave the last good copy in place.

#include "exporters/keepalived/dump_watcher.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

namespace swarmscope::keepalived {
namespace {

namespace fs = std::filesystem;

std::string Fixture(const std::string& name) {
  std::ifstream in(std::string(SWARMSCOPE_SOURCE_DIR) + "/tests/fixtures/keepalived-2.2.7/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class Counting : public ErrorReporter {
 public:
  void Report(std::string_view cause, std::string_view, LogFields) override {
    std::lock_guard lock(mu);
    ++causes[std::string(cause)];
  }
  int Count(const std::string& cause) {
    std::lock_guard lock(mu);
    return causes[cause];
  }
  std::mutex mu;
  std::map<std::string, int> causes;
};

class DumpWatcherTest : public ::testing::Test {
 protected:
  fs::path dir_ = fs::temp_directory_path() / ("ka-dumps-" + std::to_string(::getpid()) + "-" +
                                               std::to_string(reinterpret_cast<uintptr_t>(this)));
  Counting errors_;
  DumpWatcherTest() { fs::create_directories(dir_); }
  ~DumpWatcherTest() override { fs::remove_all(dir_); }

  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name, std::ios::binary | std::ios::trunc) << text;
  }
};

TEST_F(DumpWatcherTest, ReadsCompleteDumpsAndKeepsTheLastGoodOne) {
  DumpWatcher w(dir_.string(), errors_);
  w.CheckAll(false);
  EXPECT_FALSE(w.Snapshot().data);  // nothing there yet: not an error
  EXPECT_EQ(errors_.Count("malformed_dump"), 0);

  Write("keepalived.data", Fixture("steady/n1.keepalived.data"));
  Write("keepalived.stats", Fixture("steady/n1.keepalived.stats"));
  Write("keepalived.json", Fixture("steady/n1.keepalived.json"));
  w.CheckAll(false);
  DumpFiles d = w.Snapshot();
  ASSERT_TRUE(d.data);
  ASSERT_EQ(d.data->instances.size(), 1u);
  EXPECT_EQ(d.data->instances[0].state, VrrpState::kMaster);
  ASSERT_TRUE(d.stats);
  ASSERT_TRUE(d.json);
  EXPECT_GT(d.data_time.time_since_epoch().count(), 0);

  // Half-written (the 4096-byte prefix keepalived leaves between two writes), then garbage:
  // counted, and the good copy stays.
  Write("keepalived.data", Fixture("steady/n2.keepalived.data").substr(0, 4096));
  w.CheckAll(false);
  Write("keepalived.json", "[{\"data\": {\"iname\": ");
  w.CheckAll(false);
  Write("keepalived.stats", std::string("\x00\xff garbage", 10));
  w.CheckAll(false);
  d = w.Snapshot();
  ASSERT_TRUE(d.data);
  EXPECT_EQ(d.data->instances[0].state, VrrpState::kMaster);  // n1's, not n2's prefix
  ASSERT_TRUE(d.json);
  ASSERT_TRUE(d.stats);
  EXPECT_EQ(errors_.Count("malformed_dump"), 3);

  // An empty file (2.2.7 renames an empty one in before writing): not used either.
  Write("keepalived.data", "");
  w.CheckAll(false);
  EXPECT_TRUE(w.Snapshot().data);
  // The same bytes are not read twice.
  const int before = errors_.Count("malformed_dump");
  w.CheckAll(false);
  EXPECT_EQ(errors_.Count("malformed_dump"), before);
}

// keepalived 2.2.7's way: an empty temporary file renamed over the dump, then written in
// 4 KB pieces and closed. Run() reads it at IN_CLOSE_WRITE, complete.
TEST_F(DumpWatcherTest, FollowsTheDirectoryWithInotify) {
  DumpWatcher w(dir_.string(), errors_);
  std::jthread runner([&](std::stop_token stop) { w.Run(stop); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const std::string text = Fixture("fault/n2.keepalived.data");
  const fs::path tmp = dir_ / "keepalived.dataAbC123";
  {
    std::ofstream(tmp, std::ios::binary);  // empty
  }
  fs::rename(tmp, dir_ / "keepalived.data");
  {
    std::ofstream out(dir_ / "keepalived.data", std::ios::binary | std::ios::trunc);
    for (size_t i = 0; i < text.size(); i += 4096) {
      out << text.substr(i, 4096) << std::flush;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!w.Snapshot().data && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const DumpFiles d = w.Snapshot();
  ASSERT_TRUE(d.data);
  ASSERT_EQ(d.data->instances.size(), 1u);
  EXPECT_EQ(d.data->instances[0].state, VrrpState::kFault);
  EXPECT_EQ(errors_.Count("malformed_dump"), 0);  // never read half-written
  runner.request_stop();
}

}  // namespace
}  // namespace swarmscope::keepalived
