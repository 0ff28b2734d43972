// Feeds arbitrary bytes to every parser of the ceph exporter's cluster commands: they must
// throw std::invalid_argument or return, never crash, hang or leak.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string_view>

#include "collector/metric_writer.h"
#include "exporters/ceph/cluster_metrics.h"
#include "exporters/ceph/cluster_parsers.h"
#include "tests/fuzz/fuzz_util.h"

using swarmscope::fuzz::Try;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace swarmscope::ceph;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  ClusterData d;
  Try([&] { d.health = ParseHealth(text); });
  Try([&] { d.df = ParseDf(text); });
  Try([&] { d.pool_recovery = ParsePoolStats(text); });
  Try([&] { d.fs = ParseFsDump(text); });
  Try([&] { d.mons = ParseMonMap(text); });
  Try([&] { d.mgrs = ParseMgrDump(text); });
  Try([&] { d.osds = ParseOsdDump(text); });
  Try([&] { d.crush = ParseCrushDump(text); });
  Try([&] { d.osd_perf = ParseOsdPerf(text); });
  Try([&] { d.pgs = ParsePgsBrief(text); });
  Try([&] { d.repaired = ParsePgDumpPools(text); });
  Try([&] {
    d.status = ParseStatus(text);
    d.health = d.status->health;
    d.objects = d.status->objects;
  });
  Try([&] {
    d.osd_info = ParseMetadata(text);
    d.have_osd_info = true;
  });
  Try([&] { d.history = ParseHealthHistory(text); });
  swarmscope::MetricWriter out;
  WriteCluster(d, swarmscope::LabelSet(), out);
  return 0;
}
