// The docker sync engine and the exporter on answers captured from a real dockerd 20.10
// (tests/fixtures/docker) through a fake Api: golden output, no API request per scrape,
// no inventory copy for events that change nothing, the node's role. The same exporter
// against a real dockerd and swarm: tests/integration/docker_test.sh.

#include "exporters/docker/sync.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "exporters/docker/docker_exporter.h"
#include "exporters/docker/metrics.h"
#include "tests/support/exporter_harness.h"
#include "tests/support/exposition_parser.h"
#include "tests/unit/exporters/docker/fixtures.h"

namespace swarmscope::docker {
namespace {

const std::string kSource = SWARMSCOPE_SOURCE_DIR;
const std::string kUnhealthy = "915a6ebb8aa4";

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Serves the captured answers; counts requests. The event stream plays events.jsonl, then
// stays open (as dockerd's does) until the caller stops it.
class FakeApi : public Api {
 public:
  explicit FakeApi(std::atomic<int>& requests) : requests_(requests) {}

  bool Negotiate(std::string*) override {
    ++requests_;
    return true;
  }
  Response Get(std::string_view path) override {
    ++requests_;
    static const std::map<std::string, std::string, std::less<>> kRoutes = {
        {"/containers/json?all=1", "containers.json"},
        {"/info", "info.json"},
        {"/version", "version.json"},
        {"/nodes", "nodes.json"},
        {"/services?status=true", "services_status.json"},
        {"/tasks", "tasks.json"}};
    Response r;
    r.ok = true;
    r.status = 200;
    if (auto it = kRoutes.find(path); it != kRoutes.end()) {
      r.body = Fixture(it->second);
    } else if (path.find("/containers/" + kUnhealthy) == 0) {
      r.body = Fixture("inspect_unhealthy.json");
    } else {
      r.status = 404;  // the other containers: inspect fails, the list entry is used
      r.body = Fixture("error_404.json");
    }
    return r;
  }
  Response Stream(std::string_view, const std::function<bool(std::string_view)>& on_data,
                  const std::function<bool()>& should_stop) override {
    ++requests_;
    const std::string events = Fixture("events.jsonl");
    // Cut into odd-sized chunks: messages span chunks, as on a socket.
    for (size_t pos = 0; pos < events.size(); pos += 97) {
      on_data(std::string_view(events).substr(pos, 97));
    }
    while (!should_stop()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    Response r;
    r.ok = true;
    r.status = 200;
    return r;
  }
  const std::string& api_version() const override { return version_; }

 private:
  std::atomic<int>& requests_;
  std::string version_ = "1.41";
};

class SyncTest : public ::testing::Test {
 protected:
  std::FILE* devnull_ = std::fopen("/dev/null", "w");
  Logger log_{LogLevel::kError, LogFormat::kLogfmt, devnull_};
  SelfMetrics self_{log_};
  ContainerInventory inventory_;
  NodeRole node_{"", "", ClusterMetrics::kLeader};
  std::atomic<int> requests_{0};
  FakeApi api_{requests_};
  Sync sync_{[this](std::stop_token) { return std::make_unique<FakeApi>(requests_); },
             SyncOptions{},
             node_,
             inventory_,
             self_.ErrorsFor("docker"),
             log_};

  ~SyncTest() override { std::fclose(devnull_); }

  std::string Render() {
    MetricWriter w;
    sync_.Read([&](const EngineState& state, auto) {
      WriteMetrics(state, ParseList(kDefaultSwarmLabels), node_.Facts(), w);
      return 0;
    });
    EXPECT_EQ(w.out_of_order(), 0u);
    std::string out;
    w.TakeInto(out);
    return out;
  }
};

TEST_F(SyncTest, GoldenOutputFromCapturedAnswers) {
  std::string error;
  ASSERT_TRUE(sync_.FullSync(api_, &error)) << error;
  EXPECT_TRUE(node_.Facts().manager);
  ASSERT_TRUE(sync_.PollSwarm(api_, &error)) << error;
  EXPECT_TRUE(node_.Facts().leader);  // info.json's node leads in nodes.json
  EXPECT_TRUE(node_.EmitsClusterSeries());
  // The captured event stream: health checks, a container created and destroyed, ...
  EventSplitter splitter;
  splitter.Feed(Fixture("events.jsonl"), [&](std::string_view line) { sync_.OnEvent(api_, line); });
  const std::string out = Render();
  const std::string golden = kSource + "/tests/golden/docker.prom";
  if (std::getenv("SWARMSCOPE_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(golden) << out;
  }
  EXPECT_EQ(out, Read(golden)) << "SWARMSCOPE_UPDATE_GOLDEN=1 rewrites " << golden;
  auto e = testing::ParseExposition(out, &error);
  ASSERT_TRUE(e) << error;
  // 16 health checks ran in the capture, every one failing (`/bin/sh -c false`).
  EXPECT_EQ(testing::FindSample(*e, "engine_daemon_health_checks_total")->value, 16);
  EXPECT_EQ(testing::FindSample(*e, "engine_daemon_health_checks_failed_total")->value, 16);
  EXPECT_NE(
      testing::FindSample(*e, "docker_swarm_service_running_tasks", {{"service_name", "web"}}),
      nullptr);
  const std::string path = ::testing::TempDir() + "/docker_golden.prom";
  std::ofstream(path) << out;
  EXPECT_EQ(std::system(("promtool check metrics < " + path + " > /dev/null 2>&1").c_str()), 0);
}

TEST_F(SyncTest, EventsThatChangeNothingDoNotCopyTheInventory) {
  std::string error;
  ASSERT_TRUE(sync_.FullSync(api_, &error)) << error;
  const uint64_t generation = inventory_.Snapshot()->generation;
  const int before = requests_;
  std::string id;
  for (const auto& [cid, info] : inventory_.Snapshot()->containers) {
    if (info.name == "plain") {
      id = cid;
    }
  }
  // A health check run: exec_create, exec_start, exec_die.
  for (const char* action :
       {"exec_create: /bin/sh -c false", "exec_start: /bin/sh -c false", "exec_die"}) {
    sync_.OnEvent(api_, R"({"Type":"container","Action":")" + std::string(action) +
                            R"(","Actor":{"ID":")" + id +
                            R"(","Attributes":{"exitCode":"1"}},"timeNano":1})");
  }
  EXPECT_EQ(inventory_.Snapshot()->generation, generation);
  EXPECT_EQ(requests_, before);  // no inspect either
  // A start that the inspect shows changed nothing other exporters read: no publish.
  const std::string unhealthy = std::string(inventory_.Snapshot()->containers.begin()->first);
  for (const auto& [cid, info] : inventory_.Snapshot()->containers) {
    if (info.name == "unhealthy") {
      sync_.OnEvent(api_, R"({"Type":"container","Action":"start","Actor":{"ID":")" + cid +
                              R"("},"timeNano":1})");
    }
  }
  EXPECT_EQ(inventory_.Snapshot()->generation, generation);
  EXPECT_EQ(requests_, before + 1);  // one inspect
  // `docker update` (limits may have changed) is published, for readers that cache limits.
  sync_.OnEvent(api_, R"({"Type":"container","Action":"update","Actor":{"ID":")" + unhealthy +
                          R"("},"timeNano":1})");
  EXPECT_EQ(inventory_.Snapshot()->Find(unhealthy)->updates, 1u);
  EXPECT_EQ(inventory_.Snapshot()->generation, generation + 1);
  // A container that goes is published.
  sync_.OnEvent(api_, R"({"Type":"container","Action":"destroy","Actor":{"ID":")" + id +
                          R"("},"timeNano":1})");
  EXPECT_EQ(inventory_.Snapshot()->generation, generation + 2);
  EXPECT_EQ(inventory_.Snapshot()->Find(id), nullptr);
}

TEST_F(SyncTest, LostEngineForgetsTheRoleAndTheSwarm) {
  std::string error;
  ASSERT_TRUE(sync_.FullSync(api_, &error)) << error;
  ASSERT_TRUE(sync_.PollSwarm(api_, &error)) << error;
  EXPECT_TRUE(node_.EmitsClusterSeries());
  sync_.Disconnected("connection refused");
  EXPECT_FALSE(node_.EmitsClusterSeries());
  EXPECT_FALSE(node_.Facts().engine_known);
  sync_.Read([](const EngineState& state, auto) {
    EXPECT_FALSE(state.connected);
    EXPECT_FALSE(state.swarm);
    return 0;
  });
}

TEST(DockerExporter, NoApiRequestPerScrape) {
  std::atomic<int> requests{0};
  testing::ExporterHarness h(DockerExporterSpec([&requests](std::stop_token) {
                               return std::make_unique<FakeApi>(requests);
                             }),
                             {"--docker.swarm-poll-interval=1h", "--docker.resync-interval=1h"});
  // The background sync connects, lists, inspects and follows the event stream.
  for (int i = 0; i < 500 && !h.Collect().ok; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  // Let the first swarm read happen (it is woken by the sync), then hold still.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const int before = requests;
  std::string last;
  for (int i = 0; i < 50; ++i) {
    auto r = h.Collect();
    ASSERT_TRUE(r.ok);
    last = r.text;
  }
  EXPECT_EQ(requests, before) << "a scrape sent Docker API requests";
  EXPECT_NE(last.find("docker_container_info{"), std::string::npos);
  EXPECT_NE(last.find("docker_swarm_service_info{"), std::string::npos);
}

TEST(DockerExporter, ThrowingApiIsReportedAndRestartedNotFatal) {
  std::atomic<int> made{0};
  testing::ExporterHarness h(DockerExporterSpec([&made](std::stop_token) -> std::unique_ptr<Api> {
                               ++made;
                               throw std::runtime_error("no client today");
                             }),
                             {});
  EXPECT_FALSE(h.Collect().ok);
  for (int i = 0; i < 300 && h.tasks().restarts() < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_GE(h.tasks().restarts(), 2u);  // the event task threw, was reported and run again, twice
  EXPECT_NE(h.SelfText().find(
                "swarmscope_collector_errors_total{cause=\"exception\",collector=\"docker\"}"),
            std::string::npos)
      << h.SelfText();
  EXPECT_FALSE(h.Collect().ok);  // still answering
}

}  // namespace
}  // namespace swarmscope::docker
