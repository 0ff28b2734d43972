// The docker exporter's parsers and state on JSON captured from a real dockerd (20.10,
// API 1.41; tests/fixtures/docker), and on broken input. The integration test against a
// real dockerd and swarm is tests/integration/docker_test.sh.

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "exporters/docker/docker_client.h"
#include "exporters/docker/docker_parsers.h"
#include "tests/unit/exporters/docker/fixtures.h"

namespace swarmscope::docker {
namespace {

TEST(DockerParsers, ContainerList) {
  std::string error;
  auto list = ParseContainerList(Fixture("containers.json"), &error);
  ASSERT_TRUE(list) << error;
  ASSERT_EQ(list->size(), 4u);
  int web = 0;
  for (const auto& c : *list) {
    EXPECT_EQ(c.id.size(), 64u);
    EXPECT_EQ(c.state, "running");
    EXPECT_EQ(c.image, "swarmscope-test/busybox:1");
    if (c.labels.count("com.docker.swarm.service.name")) {
      ++web;
    }
    if (c.name == "unhealthy") {
      EXPECT_EQ(c.health, "unhealthy");
    }
    if (c.name == "plain") {
      EXPECT_EQ(c.labels.at("com.example.team"), "core");
    }
  }
  EXPECT_EQ(web, 2);
  // An older API version's answer parses the same way.
  EXPECT_TRUE(ParseContainerList(Fixture("containers_v1.24.json"), &error));
}

TEST(DockerParsers, Inspect) {
  std::string error;
  auto d = ParseContainerInspect(Fixture("inspect_unhealthy.json"), &error);
  ASSERT_TRUE(d) << error;
  EXPECT_EQ(d->name, "unhealthy");
  EXPECT_EQ(d->image, "swarmscope-test/busybox:1");
  EXPECT_EQ(d->state, "running");
  EXPECT_EQ(d->health, "unhealthy");
  EXPECT_GT(d->health_failing_streak, 0);
  EXPECT_GT(d->pid, 0);
  EXPECT_NEAR(d->started_at, 1795627360.55, 1e5);
  EXPECT_EQ(d->finished_at, 0);
}

TEST(DockerParsers, InfoAndVersion) {
  std::string error;
  auto info = ParseInfo(Fixture("info.json"), &error);
  ASSERT_TRUE(info) << error;
  EXPECT_EQ(info->version, "20.10.24+dfsg1");
  EXPECT_EQ(info->storage_driver, "overlay2");
  EXPECT_EQ(info->cgroup_driver, "cgroupfs");
  EXPECT_EQ(info->swarm_state, "active");
  EXPECT_TRUE(info->swarm_manager);
  EXPECT_FALSE(info->swarm_node_id.empty());
  ASSERT_TRUE(MergeVersion(Fixture("version.json"), *info, &error)) << error;
  EXPECT_EQ(info->api_version, "1.41");
}

TEST(DockerParsers, ErrorBodiesAndGarbage) {
  std::string error;
  // {"message":"No such container: doesnotexist"}: an object, but not a container.
  EXPECT_FALSE(ParseContainerInspect(Fixture("error_404.json"), &error));
  EXPECT_FALSE(ParseContainerList(Fixture("error_404.json"), &error));
  EXPECT_EQ(error, "expected a JSON array of containers");
  // A plain-text error (too old an API version) is not JSON.
  EXPECT_FALSE(ParseInfo(Fixture("error_old_api.json"), &error));
  EXPECT_EQ(error, "not valid JSON");
  const std::string list = Fixture("containers.json");
  EXPECT_FALSE(ParseContainerList(list.substr(0, list.size() / 2), &error));  // truncated
  EXPECT_FALSE(ParseContainerList("\xff\xfe garbage", &error));
  // Wrongly typed fields are defaults, not exceptions.
  auto typed = ParseContainerList(
      R"([{"Id":"x","Names":"notalist","Labels":[1,2],"State":7,"Created":"y"}])", &error);
  ASSERT_TRUE(typed);
  EXPECT_EQ((*typed)[0].name, "");
  EXPECT_TRUE((*typed)[0].labels.empty());
  EXPECT_EQ((*typed)[0].created, 0);
  // Oversized input: a huge but valid array of nothing useful.
  std::string huge = "[";
  for (int i = 0; i < 200000; ++i) {
    huge += "{},";
  }
  huge += "{}]";
  auto none = ParseContainerList(huge, &error);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

TEST(DockerParsers, EventStreamCutAnywhere) {
  const std::string stream = Fixture("events.jsonl");
  // Feed the captured stream in chunks of every size from 1 to 97 bytes: the same events.
  std::vector<std::string> whole;
  EventSplitter reference;
  reference.Feed(stream, [&](std::string_view line) { whole.emplace_back(line); });
  ASSERT_GT(whole.size(), 10u);
  for (size_t chunk = 1; chunk < 98; chunk += 7) {
    EventSplitter s;
    std::vector<std::string> got;
    for (size_t i = 0; i < stream.size(); i += chunk) {
      s.Feed(std::string_view(stream).substr(i, chunk),
             [&](std::string_view line) { got.emplace_back(line); });
    }
    EXPECT_EQ(got, whole) << "chunk " << chunk;
  }
  std::string error;
  for (const auto& line : whole) {
    EXPECT_TRUE(ParseEvent(line, &error)) << error << ": " << line;
  }
  // A stream cut in the middle of an object: the piece is kept, never parsed as an event.
  EventSplitter cut;
  int lines = 0;
  cut.Feed(stream.substr(0, stream.find('\n') + 40), [&](std::string_view) { ++lines; });
  EXPECT_EQ(lines, 1);
  EXPECT_EQ(cut.pending(), 39u);
  EXPECT_FALSE(ParseEvent(R"({"Type":"container","Actor":{"ID":"x")", &error));
  // An over-long message is dropped and reported, and the stream goes on.
  EventSplitter small(64);
  std::vector<std::string> after;
  EXPECT_FALSE(small.Feed(std::string(100, 'x') + "\n{\"a\":1}\n",
                          [&](std::string_view l) { after.emplace_back(l); }));
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0], "{\"a\":1}");
}

TEST(DockerParsers, Timestamps) {
  EXPECT_DOUBLE_EQ(ParseTimestamp("1970-01-01T00:00:10.5Z"), 10.5);
  EXPECT_DOUBLE_EQ(ParseTimestamp("1970-01-01T02:00:10+02:00"), 10);
  EXPECT_EQ(ParseTimestamp("0001-01-01T00:00:00Z"), 0);
  EXPECT_EQ(ParseTimestamp("garbage"), 0);
  EXPECT_EQ(HealthFromStatus("Up 2 minutes (health: starting)"), "starting");
  EXPECT_EQ(HealthFromStatus("Exited (1) 3 seconds ago"), "");
  EXPECT_LT(CompareApiVersions("1.40", "1.41"), 0);
  EXPECT_GT(CompareApiVersions("1.43", "1.41"), 0);
  EXPECT_EQ(CompareApiVersions("1.41", "1.41"), 0);
}

TEST(DockerParsers, SwarmNodesServicesTasks) {
  std::string error;
  auto nodes = ParseNodes(Fixture("nodes.json"), &error);
  ASSERT_TRUE(nodes) << error;
  ASSERT_EQ(nodes->size(), 1u);
  EXPECT_EQ((*nodes)[0].role, "manager");
  EXPECT_TRUE((*nodes)[0].leader);
  EXPECT_EQ((*nodes)[0].reachability, "reachable");
  EXPECT_EQ((*nodes)[0].hostname, "vm");
  auto services = ParseServices(Fixture("services_status.json"), &error);
  ASSERT_TRUE(services) << error;
  ASSERT_EQ(services->size(), 1u);
  EXPECT_EQ((*services)[0].name, "web");
  EXPECT_EQ((*services)[0].mode, "replicated");
  EXPECT_EQ((*services)[0].desired_tasks, 2);
  EXPECT_EQ((*services)[0].running_tasks, 2);
  auto tasks = ParseTasks(Fixture("tasks.json"), &error);
  ASSERT_TRUE(tasks) << error;
  EXPECT_EQ(tasks->size(), 2u);
  EXPECT_EQ((*tasks)[0].state, "running");
  // A worker's answer to /nodes is an error object, not a list.
  EXPECT_FALSE(ParseNodes(R"({"message":"This node is not a swarm manager."})", &error));
  auto global = ParseServices(
      R"([{"ID":"g","Spec":{"Name":"agent","Mode":{"Global":{}},"Labels":{"com.docker.stack.namespace":"mon"},
      "TaskTemplate":{"ContainerSpec":{"Image":"img:1@sha256:abc"}}},"UpdateStatus":{"State":"rollback_completed"}}])",
      &error);
  ASSERT_TRUE(global);
  EXPECT_EQ((*global)[0].mode, "global");
  EXPECT_EQ((*global)[0].stack, "mon");
  EXPECT_EQ((*global)[0].image, "img:1");
  EXPECT_FALSE((*global)[0].desired_tasks);  // API < 1.41: no ServiceStatus
  EXPECT_EQ((*global)[0].update_state, "rollback_completed");
}

}  // namespace
}  // namespace swarmscope::docker
