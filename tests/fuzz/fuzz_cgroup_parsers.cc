// libFuzzer target: every pure parser of the cgroup exporter (cgroup files, mountinfo and
// the layout from it, /proc files, cgroupstats netlink replies) on arbitrary bytes.

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "exporters/cgroup/cgroup_parsers.h"
#include "exporters/cgroup/cgroupstats_parsers.h"
#include "exporters/cgroup/layout.h"
#include "exporters/cgroup/proc_parsers.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace swarmscope::cgroup;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  size_t bad = 0;
  const auto mounts = ParseMountInfo(in, &bad);
  for (const auto& m : mounts) {
    if (m.fs_type.empty()) {
      __builtin_trap();
    }
  }
  (void)DiscoverLayout(mounts, PathMapper{"/host", "/host/sys"});
  (void)ParseU64(in);
  (void)ParseU64(in, 0);
  (void)ParseI64(in);
  (void)FlatKey(in, "total_rss");
  if (IsFlatKeyed(in) && in.find("rss ") == 0 && !FlatKey(in, "rss")) {
    __builtin_trap();
  }
  // The one-pass lookup accepts every flat keyed file, and then agrees with FlatKey; what
  // it accepts has numbers for every key it found.
  constexpr std::string_view kKeys[] = {"rss", "total_rss", "pgfault"};
  std::optional<uint64_t> values[3];
  const bool keyed = ParseFlatKeyed(in, kKeys, values);
  if (IsFlatKeyed(in) && !keyed) {
    __builtin_trap();
  }
  for (size_t i = 0; keyed && i < 3; ++i) {
    if (values[i] != FlatKey(in, kKeys[i])) {
      __builtin_trap();
    }
  }
  if (auto m = ParseCpuMax(in); m && m->period_us == 0) {
    __builtin_trap();
  }
  (void)ParsePressure(in);
  std::vector<IoDevice> devices = {IoDevice{}};
  if (!ParseIoStatInto(in, devices) && !devices.empty()) {
    __builtin_trap();
  }
  (void)MergeBlkio(in, true, devices);
  std::vector<int64_t> ids = {1};
  if (ParseIdList(in, ids)) {
    for (int64_t id : ids) {
      if (id <= 0) {
        __builtin_trap();
      }
    }
  } else if (!ids.empty()) {
    __builtin_trap();
  }
  const std::string_view id = ContainerIdFromCgroupName(in);
  if (!id.empty() && id.size() != 64) {
    __builtin_trap();
  }
  (void)ParseProcIo(in);
  std::vector<IoDevice> disks(2);
  if (!ParseDiskstatsInto(in, disks) && !disks.empty()) {
    __builtin_trap();  // a malformed file leaves no half list behind
  }
  // A process's cgroup is a path; a container's id in it is one of 64 hex digits.
  for (const std::string_view controller : {"memory", ""}) {
    if (auto path = ParseProcCgroup(in, controller)) {
      if (path->empty() || path->front() != '/') {
        __builtin_trap();
      }
      const ProcessCgroup c = ClassifyCgroupPath(*path);
      if ((c.root && *path != "/") || (!c.container_id.empty() && c.container_id.size() != 64)) {
        __builtin_trap();
      }
    }
  }
  (void)ProcfsPidView(true, in, 1);
  std::vector<NetDevice> net(2);
  (void)ParseNetDevInto(in, net);
  TaskStates states;
  if (auto state = ParseTaskState(in)) {
    (void)CountTaskState(*state, states);
  }
  (void)ParseTaskstatsFamilyReply(in, 1);
  const CgroupStatsReply reply = ParseCgroupStatsReply(in, 1);
  if (reply.kind == CgroupStatsReply::Kind::kStats && !reply.states.has_iowait) {
    __builtin_trap();
  }
  return 0;
}
