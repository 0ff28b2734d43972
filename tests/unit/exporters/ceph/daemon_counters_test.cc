// The per-daemon counters' collection: finding the daemons' admin sockets in the run
// directory, and the whole refresh against fake daemons (real AF_UNIX listeners) that
// answer with outputs captured from a real Pacific cluster (tests/fixtures/ceph/pacific,
// asok/).

#include "exporters/ceph/daemon_counters.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "tests/support/exposition_parser.h"
#include "tests/unit/exporters/ceph/asok_test_support.h"

namespace swarmscope::ceph {
namespace {

using swarmscope::testing::Exposition;
using swarmscope::testing::FindSample;
using testing::Answer;
using testing::FakeDaemon;
using testing::MakeStaleSocket;
using testing::Pacific;
using testing::Parse;
using testing::Reply;
using testing::TempDir;
using testing::ValueOf;

using std::chrono::milliseconds;

// ---- finding the sockets ----

TEST(DaemonSockets, FindsThisClustersDaemons) {
  TempDir dir;
  for (const std::string f :
       {"ceph-osd.0.asok", "ceph-osd.10.asok", "ceph-osd.2.asok", "ceph-mon.a.asok",
        "ceph-mds.a.asok", "ceph-mgr.x.asok", "ceph-client.admin.1234.9400.asok",
        "ceph-client.rgw.gw1.1234.94000.asok", "ceph-client.rbd-mirror.m1.asok", "other-osd.1.asok",
        "ceph-osd.3.pid", "ceph-osd..asok", "ceph-.asok", "ceph-foo.1.asok"}) {
    std::ofstream(dir / f).put('\n');
  }
  std::filesystem::create_directory(dir / "ceph-osd.9.asok");
  std::vector<std::string> names;
  for (const auto& d : FindDaemonSockets(dir.path(), "ceph")) {
    names.push_back(d.name());
    if (d.name() == "osd.0") {
      EXPECT_EQ(d.path, dir / "ceph-osd.0.asok");
    }
  }
  EXPECT_EQ(names, (std::vector<std::string>{"mds.a", "mon.a", "osd.0", "osd.10", "osd.2",
                                             "rbd-mirror.m1", "rgw.gw1"}));
  EXPECT_EQ(FindDaemonSockets(dir.path(), "other").size(), 1u);
  EXPECT_TRUE(FindDaemonSockets(dir / "nonexistent", "ceph").empty());
}

// ---- the whole refresh, against fake daemons ----

class RecordingErrors : public ErrorReporter {
 public:
  void Report(std::string_view cause, std::string_view message, LogFields context) override {
    std::string daemon;
    for (const auto& [k, v] : context) {
      if (k == "ceph_daemon") {
        daemon = v;
      }
    }
    reports.push_back({std::string(cause), std::string(message), daemon});
  }
  struct Entry {
    std::string cause, message, daemon;
  };
  std::vector<Entry> reports;
  bool Has(std::string_view cause, std::string_view daemon) const {
    for (const auto& r : reports) {
      if (r.cause == cause && r.daemon == daemon) {
        return true;
      }
    }
    return false;
  }
};

// Answers like a real daemon of `type` from the fixtures.
FakeDaemon::Handler FixtureDaemon(const std::string& type, std::function<std::string()> ops = {},
                                  std::string dump = {}) {
  return [=](const std::string& c) {
    if (c.find("\"perf dump\"") != std::string::npos) {
      return Answer(dump.empty() ? Pacific("asok_" + type + "_perf_dump.json") : dump);
    }
    if (c.find("\"perf schema\"") != std::string::npos) {
      return Answer(Pacific("asok_" + type + "_perf_schema.json"));
    }
    if (c.find("\"ops\"") != std::string::npos) {
      return Answer(ops ? ops() : Pacific("asok/osd_ops_idle.json"));
    }
    if (c.find("\"config get\"") != std::string::npos) {
      return Answer(type == "mon" ? Pacific("asok/mon_config_get_mon_op_complaint_time.json")
                                  : R"({"osd_op_complaint_time":"0.100000"})");
    }
    return Answer("ERROR: (22) Invalid argument\nunknown command prefix\n");
  };
}

TEST(DaemonCountersRefresh, OneDaemonFailingLosesNoOther) {
  TempDir dir;
  FakeDaemon osd0(dir / "ceph-osd.0.asok",
                  FixtureDaemon("osd", [] { return Pacific("asok/osd_ops_busy.json"); }));
  FakeDaemon mon(dir / "ceph-mon.a.asok",
                 FixtureDaemon("mon", [] { return Pacific("asok/mon_ops.json"); }));
  MakeStaleSocket(dir / "ceph-osd.1.asok");
  FakeDaemon hung(dir / "ceph-osd.2.asok", [](const std::string&) {
    return Reply{"", true, false};
  });
  FakeDaemon garbage(dir / "ceph-osd.3.asok",
                     [](const std::string&) { return Answer("{\"osd\":"); });
  FakeDaemon off(dir / "ceph-osd.4.asok",
                 FixtureDaemon("osd", [] { return Pacific("asok/osd_ops_tracker_off.txt"); }));
  FakeDaemon mgr(dir / "ceph-mgr.x.asok", FixtureDaemon("mgr"));
  RecordingErrors errors;
  DaemonCounters counters(dir.path(), "ceph", milliseconds(300), errors);
  const auto r = counters.Refresh();
  EXPECT_EQ(r.daemons, 6u);
  EXPECT_EQ(r.failed, 3u);
  ASSERT_TRUE(r.text);
  const Exposition e = Parse(*r.text);
  const auto up = [&](const std::string& d) {
    const auto* s = FindSample(e, "swarmscope_ceph_daemon_socket_up", {{"ceph_daemon", d}});
    return s == nullptr ? -1 : s->value;
  };
  EXPECT_EQ(up("osd.0"), 1);
  EXPECT_EQ(up("osd.1"), 0);
  EXPECT_EQ(up("osd.2"), 0);
  EXPECT_EQ(up("osd.3"), 0);
  EXPECT_EQ(up("osd.4"), 1);
  EXPECT_EQ(up("mon.a"), 1);
  EXPECT_EQ(up("mgr.x"), -1);  // the mgr's own counters are not the module's
  EXPECT_EQ(ValueOf(e, "ceph_osd_stat_bytes", "osd.0"), 1073741824);
  EXPECT_EQ(ValueOf(e, "ceph_mon_num_sessions", "mon.a"), 10);
  EXPECT_EQ(FindSample(e, "ceph_osd_stat_bytes", {{"ceph_daemon", "osd.1"}}), nullptr);
  EXPECT_TRUE(errors.Has("admin_socket", "osd.1"));
  EXPECT_TRUE(errors.Has("admin_socket", "osd.2"));
  EXPECT_TRUE(errors.Has("parse", "osd.3"));
  EXPECT_FALSE(errors.Has("admin_socket", "osd.4"));
  // The hung daemon was asked once, nothing more.
  EXPECT_EQ(hung.commands().size(), 1u);
  // SLOW_OPS: 2 of the busy OSD's 3 ops (0.19 s, 0.13 s, 0.07 s) are older than its 0.1 s
  // complaint time; the mon's op is younger than 30 s; tracking off counts 0, as the daemon
  // reports it.
  const auto slow = [&](const std::string& d) {
    const auto* s =
        FindSample(e, "ceph_daemon_health_metrics", {{"type", "SLOW_OPS"}, {"ceph_daemon", d}});
    return s == nullptr ? -1 : s->value;
  };
  EXPECT_EQ(slow("osd.0"), 2);
  EXPECT_EQ(slow("mon.a"), 0);
  EXPECT_EQ(slow("osd.4"), 0);
  EXPECT_EQ(slow("osd.1"), -1);
}

TEST(DaemonCountersRefresh, SchemaIsCachedUntilTheDaemonRestarts) {
  TempDir dir;
  RecordingErrors errors;
  DaemonCounters counters(dir.path(), "ceph", milliseconds(2000), errors);
  auto osd = std::make_unique<FakeDaemon>(dir / "ceph-osd.0.asok", FixtureDaemon("osd"));
  counters.Refresh();
  counters.Refresh();
  const auto r = counters.Refresh();
  EXPECT_EQ(osd->Count("perf dump"), 3u);
  EXPECT_EQ(osd->Count("perf schema"), 1u);
  EXPECT_EQ(osd->Count("ops"), 3u);
  EXPECT_EQ(osd->Count("config get"), 0u);  // no op in flight, no need for the complaint time
  EXPECT_EQ(ValueOf(Parse(*r.text), "ceph_osd_numpg", "osd.0"), 8);
  // Restarted: a new socket (inode), the schema is read again.
  osd.reset();
  // A restart takes seconds; here, wait out the file clock's granularity (a jiffy) so that
  // the new socket differs by its mtime even where the inode number is reused.
  std::this_thread::sleep_for(milliseconds(50));
  osd = std::make_unique<FakeDaemon>(dir / "ceph-osd.0.asok", FixtureDaemon("osd"));
  counters.Refresh();
  EXPECT_EQ(osd->Count("perf schema"), 1u);
  EXPECT_TRUE(errors.reports.empty());
}

TEST(DaemonCountersRefresh, ANewCounterAsksForTheSchemaOnce) {
  TempDir dir;
  RecordingErrors errors;
  DaemonCounters counters(dir.path(), "ceph", milliseconds(2000), errors);
  auto dump = nlohmann::json::parse(Pacific("asok_osd_perf_dump.json"));
  dump["new_logger"]["new_counter"] = 1;
  FakeDaemon osd(dir / "ceph-osd.0.asok", FixtureDaemon("osd", {}, dump.dump()));
  counters.Refresh();
  EXPECT_EQ(osd.Count("perf schema"), 1u);
  // The fresh schema still lacks it: not asked again for that counter.
  counters.Refresh();
  const auto r = counters.Refresh();
  EXPECT_EQ(osd.Count("perf schema"), 1u);
  EXPECT_EQ(r.failed, 0u);
}

TEST(DaemonCountersRefresh, NoRunDirIsNoDaemons) {
  RecordingErrors errors;
  DaemonCounters counters("/nonexistent/run/ceph", "ceph", milliseconds(100), errors);
  const auto r = counters.Refresh();
  EXPECT_EQ(r.daemons, 0u);
  ASSERT_TRUE(r.text);
  EXPECT_TRUE(r.text->empty());
  EXPECT_TRUE(errors.reports.empty());
}

}  // namespace
}  // namespace swarmscope::ceph
