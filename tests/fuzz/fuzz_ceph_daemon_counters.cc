// libFuzzer target: the ceph exporter's admin socket parsers (perf schema, perf dump, ops,
// config get) and the per-daemon renderer fed by what they parse, on arbitrary bytes. The
// input is split at its first NUL: the schema before, the dump after (each parser also
// gets the whole input). What is rendered must be a valid exposition.

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "collector/metric_writer.h"
#include "exporters/ceph/daemon_metrics.h"
#include "exporters/ceph/perf_parsers.h"
#include "tests/fuzz/fuzz_util.h"
#include "tests/support/exposition_parser.h"

using swarmscope::fuzz::Try;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace swarmscope::ceph;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const size_t nul = in.find('\0');
  const std::string_view first = in.substr(0, nul);
  const std::string_view second = nul == std::string_view::npos ? in : in.substr(nul + 1);

  (void)Try([&] { return ParsePerfSchema(in); });
  (void)Try([&] { return ParsePerfDump(in); });
  if (auto ages = Try([&] { return ParseOpsInFlight(in); })) {
    if (CountSlowOps(*ages, 30) > ages->size() || CountSlowOps(*ages, -1e300) > ages->size()) {
      __builtin_trap();
    }
  }
  (void)Try([&] { return ParseConfigNumber(in, "osd_op_complaint_time"); });

  const auto schema = Try([&] { return ParsePerfSchema(first); });
  const auto dump = Try([&] { return ParsePerfDump(second); });
  if (!schema || !dump) {
    return 0;
  }
  // The same counters as an OSD, an rgw and an rbd-mirror daemon, plus one that failed.
  const std::vector<DaemonData> daemons = {
      {"osd", "0", true, &*schema, &*dump, 2},
      {"rbd-mirror", "m", true, &*schema, &*dump, std::nullopt},
      {"rgw", "gw", true, &*schema, &*dump, std::nullopt},
      {"osd", "1", false, nullptr, nullptr, std::nullopt}};
  swarmscope::LabelSet base;
  base.Add("cluster", "ceph");
  FamilyTexts texts;
  swarmscope::MetricWriter writer;
  WriteDaemonCounters(daemons, base, writer, texts);
  if (writer.out_of_order() != 0) {
    __builtin_trap();
  }
  std::string error;
  if (!swarmscope::testing::ParseExposition(writer.text(), &error)) {
    __builtin_trap();
  }
  return 0;
}
