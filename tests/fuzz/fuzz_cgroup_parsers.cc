// libFuzzer target: every cgroup and /proc parser of the cgroup exporter on arbitrary bytes.

#include <cstdint>
#include <string_view>
#include <vector>

#include "exporters/cgroup/cgroup_parsers.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace swarmscope::cgroup;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  size_t bad = 0;
  for (const auto& m : ParseMountInfo(in, &bad)) {
    if (m.fs_type.empty()) __builtin_trap();
  }
  (void)ParseU64(in);
  (void)ParseU64(in, 0);
  (void)ParseI64(in);
  (void)FlatKey(in, "total_rss");
  if (IsFlatKeyed(in) && in.find("rss ") == 0 && !FlatKey(in, "rss")) __builtin_trap();
  if (auto m = ParseCpuMax(in); m && m->period_us == 0) __builtin_trap();
  (void)ParsePressure(in);
  (void)ParseIoStat(in);
  std::vector<IoDevice> devices;
  (void)MergeBlkio(in, true, devices);
  (void)ParseProcIo(in);
  (void)ParseNetDev(in);
  if (auto p = ParsePidList(in); p && p->count > 0 && p->first_pid <= 0) __builtin_trap();
  const std::string_view id = ContainerIdFromCgroupName(in);
  if (!id.empty() && id.size() != 64) __builtin_trap();
  return 0;
}
