// The docker exporter's parsers and state on JSON captured from a real dockerd (20.10,
// API 1.41; tests/fixtures/docker), and on broken input. The integration test against a
// real dockerd and swarm is tests/integration/docker_test.sh.

#include "exporters/docker/state.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "collector/node_role.h"
#include "exporters/docker/docker_parsers.h"
#include "exporters/docker/metrics.h"
#include "tests/support/exposition_parser.h"
#include "tests/unit/exporters/docker/fixtures.h"

namespace swarmscope::docker {
namespace {

TEST(DockerState, LeaderFromNodes) {
  std::vector<SwarmNode> nodes(3);
  nodes[0].id = "a";
  nodes[1].id = "b";
  nodes[1].leader = true;
  nodes[2].id = "c";
  EXPECT_TRUE(IsLeader(nodes, "b"));
  EXPECT_FALSE(IsLeader(nodes, "a"));
  EXPECT_FALSE(IsLeader(nodes, ""));
  nodes[1].leader = false;  // mid-election: nobody leads
  EXPECT_FALSE(IsLeader(nodes, "b"));
}

TEST(DockerState, EventsUpdateTheStateAndAskForInspectOnlyWhenNeeded) {
  EngineState state;
  Event e;
  e.type = "container";
  e.id = "abc";
  e.action = "start";
  EXPECT_EQ(ApplyEvent(e, state).inspect, "abc");
  e.action = "exec_start: /bin/sh -c false";
  EXPECT_EQ(ApplyEvent(e, state).inspect, "");  // health check runs cost nothing
  state.containers["abc"].details.health = "healthy";
  e.action = "exec_die";
  e.attributes = {{"exitCode", "1"}};
  ApplyEvent(e, state);
  const EventEffect check = ApplyEvent(e, state);
  EXPECT_EQ(check.inspect, "");
  EXPECT_FALSE(check.inventory);  // and change nothing other exporters see
  EXPECT_EQ(state.health_checks, 2u);
  EXPECT_EQ(state.health_checks_failed, 2u);
  EXPECT_EQ(state.containers["abc"].details.health_failing_streak, 2);
  e.attributes = {{"exitCode", "0"}};
  EXPECT_EQ(ApplyEvent(e, state).inspect, "");
  EXPECT_EQ(state.health_checks, 3u);
  EXPECT_EQ(state.containers["abc"].details.health_failing_streak, 0);
  e.action = "oom";
  EXPECT_EQ(ApplyEvent(e, state).inspect, "abc");
  EXPECT_EQ(state.containers["abc"].oom_events, 1u);
  e.action = "destroy";
  const EventEffect gone = ApplyEvent(e, state);
  EXPECT_EQ(gone.inspect, "");
  EXPECT_TRUE(gone.inventory);
  EXPECT_TRUE(state.containers.empty());
  e.type = "network";
  e.action = "create";
  EXPECT_EQ(ApplyEvent(e, state).inspect, "");
  e.type = "service";
  e.action = "update";
  EXPECT_TRUE(ApplyEvent(e, state).swarm);
}

TEST(DockerState, MetricsPassPromtoolAndNamingRules) {
  EngineState state;
  std::string error;
  state.connected = true;
  state.engine = ParseInfo(Fixture("info.json"), &error);
  MergeVersion(Fixture("version.json"), *state.engine, &error);
  auto d = ParseContainerInspect(Fixture("inspect_unhealthy.json"), &error);
  state.containers[d->id].details = *d;
  state.containers[d->id].oom_events = 2;
  const auto list = ParseContainerList(Fixture("containers.json"), &error);
  ASSERT_TRUE(list);
  for (const auto& c : *list) {
    if (state.containers.count(c.id)) {
      continue;
    }
    auto& rec = state.containers[c.id];
    rec.details.id = c.id;
    rec.details.name = c.name;
    rec.details.image = c.image;
    rec.details.state = c.state;
    rec.details.labels = c.labels;
  }
  SwarmState swarm;
  swarm.nodes = *ParseNodes(Fixture("nodes.json"), &error);
  swarm.services = *ParseServices(Fixture("services_status.json"), &error);
  swarm.tasks = *ParseTasks(Fixture("tasks.json"), &error);
  state.swarm = swarm;
  MetricWriter w;
  NodeFacts node;
  node.id = "n1";
  node.name = "host-a";
  node.engine_known = node.in_swarm = true;
  WriteMetrics(state, {"com.docker.swarm.service.name"}, node, w);
  EXPECT_EQ(w.out_of_order(), 0u);
  std::string out;
  w.TakeInto(out);
  auto e = testing::ParseExposition(out, &error);
  ASSERT_TRUE(e) << error;
  EXPECT_EQ(testing::FindSample(*e, "docker_container_health_status",
                                {{"name", "unhealthy"}, {"status", "unhealthy"}})
                ->value,
            1);
  EXPECT_EQ(
      testing::FindSample(*e, "docker_container_oom_kills_total", {{"name", "unhealthy"}})->value,
      2);
  EXPECT_EQ(testing::FindSample(*e, "docker_engine_containers", {{"state", "running"}})->value, 4);
  EXPECT_NE(testing::FindSample(*e, "docker_container_info",
                                {{"container_label_com_docker_swarm_service_name", "web"}}),
            nullptr);
  EXPECT_NE(testing::FindSample(*e, "node_meta"), nullptr);
  EXPECT_EQ(testing::FindSample(*e, "docker_swarm_service_desired_tasks", {{"service_name", "web"}})
                ->value,
            2);
  EXPECT_EQ(testing::FindSample(*e, "docker_swarm_service_tasks",
                                {{"service_name", "web"}, {"state", "running"}})
                ->value,
            2);
  EXPECT_EQ(testing::FindSample(*e, "docker_swarm_nodes", {{"role", "manager"}, {"state", "ready"}})
                ->value,
            1);
  EXPECT_EQ(testing::FindSample(*e, "docker_swarm_node_info", {{"leader", "true"}})->value, 1);
  EXPECT_NE(testing::FindSample(*e, "engine_daemon_engine_info", {{"graphdriver", "overlay2"}}),
            nullptr);
  const std::string path = ::testing::TempDir() + "/docker_metrics.prom";
  std::ofstream(path) << out;
  EXPECT_EQ(std::system(("promtool check metrics < " + path + " > /dev/null 2>&1").c_str()), 0);
  for (const auto& spec : DockerMetricSpecs()) {
    const bool total = spec.name.size() > 6 && spec.name.substr(spec.name.size() - 6) == "_total";
    EXPECT_EQ(spec.type == MetricType::kCounter, total) << spec.name;
    EXPECT_NE(spec.help.find('('), std::string_view::npos)
        << spec.name << ": HELP names its source";
  }
}

TEST(DockerExporter, NodeIdentityFromFlagsWinsAndSurvivesAnUnreachableEngine) {
  auto render = [](const NodeRole& role) {
    MetricWriter w;
    WriteNodeIdentity(role.Facts(), w);
    std::string out;
    w.TakeInto(out);
    return out;
  };
  // From /info alone.
  NodeRole plain("", "", ClusterMetrics::kLeader);
  plain.SetEngine("n1", "host-a", true, false);
  EXPECT_NE(render(plain).find("node_meta{node_id=\"n1\",node_name=\"host-a\",container_label_com_"
                               "docker_swarm_node_id=\"n1\"} 1"),
            std::string::npos);
  // The flags win.
  NodeRole flagged("n1", "node-a", ClusterMetrics::kLeader);
  flagged.SetEngine("n1", "host-a", true, false);
  EXPECT_NE(render(flagged).find("node_name=\"node-a\""), std::string::npos);
  // Engine unreachable: only a flag-given identity is written.
  plain.SetEngineLost();
  EXPECT_EQ(render(plain), "");
  flagged.SetEngineLost();
  const std::string down = render(flagged);
  EXPECT_NE(down.find("swarm_node_info{node_id=\"n1\"} 1"), std::string::npos) << down;
  EXPECT_NE(down.find("node_meta{node_id=\"n1\",node_name=\"node-a\""), std::string::npos) << down;
  // Not (or no longer) in a swarm: nothing, whatever the flags say.
  flagged.SetEngine("", "host-a", false, false);
  EXPECT_EQ(render(flagged), "");
}

TEST(NodeRole, ClusterSeriesExactlyOnce) {
  NodeRole leader("", "", ClusterMetrics::kLeader);
  EXPECT_FALSE(leader.EmitsClusterSeries());  // unknown: nobody
  leader.SetEngine("b", "host-b", true, true);
  EXPECT_FALSE(leader.EmitsClusterSeries());  // a manager, not (yet known as) the leader
  leader.SetLeader(true);
  EXPECT_TRUE(leader.EmitsClusterSeries());
  leader.SetEngineLost();
  EXPECT_FALSE(leader.EmitsClusterSeries());
  NodeRole worker("", "", ClusterMetrics::kLeader);
  worker.SetEngine("w", "host-w", true, false);
  worker.SetLeader(true);  // a worker cannot lead
  EXPECT_FALSE(worker.EmitsClusterSeries());
  NodeRole alone("", "", ClusterMetrics::kLeader);
  alone.SetEngine("", "host", false, false);
  EXPECT_TRUE(alone.EmitsClusterSeries());  // outside a swarm a node is its own cluster
  EXPECT_TRUE(NodeRole("", "", ClusterMetrics::kAlways).EmitsClusterSeries());
  NodeRole never("", "", ClusterMetrics::kNever);
  never.SetEngine("b", "host-b", true, true);
  never.SetLeader(true);
  EXPECT_FALSE(never.EmitsClusterSeries());
}

}  // namespace
}  // namespace swarmscope::docker
