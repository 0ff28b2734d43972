// libFuzzer target: the docker exporter's JSON parsers (containers, events, engine, swarm
// nodes, services and tasks), the event splitter, and the state and rendering fed by what
// they parse, on arbitrary bytes.

#include <cstdint>
#include <string>
#include <string_view>

#include "collector/node_role.h"
#include "exporters/docker/docker_parsers.h"
#include "exporters/docker/metrics.h"
#include "exporters/docker/state.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace swarmscope::docker;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  std::string error;
  if (auto list = ParseContainerList(in, &error)) {
    for (const auto& c : *list) {
      if (c.id.empty()) {
        __builtin_trap();
      }
    }
  }
  (void)ParseContainerInspect(in, &error);
  EngineState state;
  state.connected = true;
  if (auto event = ParseEvent(in, &error)) {
    (void)ApplyEvent(*event, state);
  }
  SwarmState swarm;
  if (auto nodes = ParseNodes(in, &error)) {
    (void)IsLeader(*nodes, "x");
    swarm.nodes = std::move(*nodes);
  }
  if (auto services = ParseServices(in, &error)) {
    swarm.services = std::move(*services);
  }
  if (auto tasks = ParseTasks(in, &error)) {
    swarm.tasks = std::move(*tasks);
  }
  state.swarm = std::move(swarm);
  swarmscope::MetricWriter writer;
  WriteMetrics(state, {"a"}, swarmscope::NodeFacts{}, writer);
  if (writer.out_of_order() != 0) {
    __builtin_trap();
  }
  if (auto info = ParseInfo(in, &error)) {
    (void)MergeVersion(in, *info, &error);
  }
  (void)ParseTimestamp(in);
  (void)HealthFromStatus(in);
  // Split in two chunks at every 13th byte: the lines must be the same as in one piece.
  std::string whole;
  std::string parts;
  EventSplitter a(4096);
  EventSplitter b(4096);
  a.Feed(in, [&](std::string_view l) { whole.append(l).push_back('\n'); });
  const size_t cut = size / 13;
  b.Feed(in.substr(0, cut), [&](std::string_view l) { parts.append(l).push_back('\n'); });
  b.Feed(in.substr(cut), [&](std::string_view l) { parts.append(l).push_back('\n'); });
  if (whole != parts) {
    __builtin_trap();
  }
  return 0;
}
