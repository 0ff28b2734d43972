#pragma once

// The cgroups the exporter reports, kept from scrape to scrape: what is known of each one
// (its kept-open files, its rendered labels, its last stats), and the discovery that adds
// new cgroups and drops (closing their files) those that went.

#include <dirent.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "collector/metric_writer.h"
#include "exporters/cgroup/kept_files.h"
#include "exporters/cgroup/layout.h"
#include "exporters/cgroup/stats.h"

namespace swarmscope::cgroup {

/// The cgroup files the exporter reads, as an index into CgroupState::files. Names shared
/// by v1 and v2 (cpu.stat, memory.stat, pids.*, cgroup.procs) share an index: a cgroup is
/// read either the v1 or the v2 way.
enum FileId : uint8_t {
  kCpuacctUsage,
  kCpuacctUsageUser,
  kCpuacctUsageSys,
  kCpuacctStat,
  kCpuStat,
  kCfsPeriod,
  kCfsQuota,
  kCpuShares,
  kCpuMax,
  kCpuWeight,
  kMemUsage,
  kMemMaxUsage,
  kMemFailcnt,
  kMemLimit,
  kMemSoftLimit,
  kMemswLimit,
  kMemswUsage,
  kMemOomControl,
  kMemStat,
  kMemCurrent,
  kMemPeak,
  kMemMax,
  kMemLow,
  kSwapMax,
  kSwapCurrent,
  kMemEvents,
  kPidsCurrent,
  kPidsMax,
  kBlkioBytes,
  kBlkioOps,
  kIoStat,
  kCpuPressure,
  kMemPressure,
  kIoPressure,
  kProcs,
  kTasks,
  kThreads,
  kFileCount,
};

/// The file name of `id` (e.g. "memory.stat").
std::string_view FileName(FileId id);
/// How its end is found (lists of ids are seq files of many records).
FileShape ShapeOf(FileId id);
/// Whether `id` is a resource limit (Limits): read with open/read/close when due, never
/// kept open.
bool IsLimit(FileId id);

/// A /proc file of one process or thread, by id.
struct IdFile {
  int64_t id = 0;
  KeptFile file;
};

/// One cgroup to report and what the exporter keeps of it between scrapes.
struct CgroupState {
  CgroupState(std::string cgroup_path, std::string id)
      : path(std::move(cgroup_path)), container_id(std::move(id)) {}

  std::string path;          ///< the cAdvisor `id`: "/" or e.g. "/docker/<id>"
  std::string container_id;  ///< "" for the root cgroup

  // Files, kept open between scrapes.
  std::array<KeptFile, kFileCount> files;
  /// Whether this cgroup's directory exists in each hierarchy: unknown until first looked
  /// at; a hierarchy without it (the cgroup2 tree of a hybrid host, for runc's cgroupfs
  /// driver) is looked at again next scrape.
  std::array<bool, kHierarchyCount> dir_seen{};
  KeptFile dir;  ///< the cgroup directory, for cgroupstats (v1)
  /// Task states come from /proc for good: cgroupstats refused this cgroup, or its count
  /// missed some of its tasks (see CgroupReader::ReadTaskStatesFromKernel).
  bool no_cgroupstats = false;
  int64_t net_pid = 0;                    ///< the process whose network is reported, 0 = none yet
  bool net_own = false;                   ///< whether it has a network namespace of its own
  KeptFile net_dev;                       ///< /proc/<net_pid>/net/dev
  KeptFile diskstats;                     ///< /proc/diskstats (the root, see ReadHostDisks)
  std::vector<IdFile> io;                 ///< /proc/<pid>/io per process (the I/O fallback), by pid
  std::vector<IdFile> threads;            ///< /proc/<tid>/task/<tid>/stat per thread, by tid
  std::optional<double> created_seconds;  ///< the cgroup directory's ctime, read once

  // Resource limits (stats.limits): read when first seen, then only when due (see
  // CgroupExporter's ScheduleLimits).
  bool limits_read = false;  ///< read at least once
  bool limits_due = true;    ///< to be read in this scrape
  std::chrono::steady_clock::time_point limits_read_at{};
  uint64_t limits_updates = 0;  ///< ContainerInfo::updates when last compared

  // This scrape.
  Stats stats;
  bool present = false;  ///< read, and still there: written out
  bool gone = false;     ///< vanished: left out and dropped
  size_t reads_ok = 0;   ///< files read this scrape (none at all: did it vanish?)

  // Labels, rendered when first seen and again only when its inventory entry changes.
  LabelSet labels;
  bool labels_built = false;
  double docker_start_seconds = 0;

  uint64_t seen_round = 0;  ///< the discovery round that last listed it
};

/// Every cgroup reported: the root, and each container cgroup under the parents (e.g.
/// /docker, /system.slice), kept across scrapes. Closes a cgroup's files when it goes.
class CgroupSet {
 public:
  explicit CgroupSet(FileReader& files);
  ~CgroupSet();
  CgroupSet(const CgroupSet&) = delete;
  CgroupSet& operator=(const CgroupSet&) = delete;

  /// Lists `parents` under `base_dir` (the base hierarchy's mount) again: adds cgroups that
  /// appeared, drops those that went or were found gone, and returns them all in a stable
  /// order (the root, then each parent's children by name).
  const std::vector<CgroupState*>& Discover(const std::string& base_dir,
                                            const std::vector<std::string>& parents);
  /// Forgets everything (the layout changed).
  void Clear();
  size_t size() const { return ordered_.size(); }

 private:
  struct Parent {
    std::string path;  ///< "/docker"
    DIR* dir = nullptr;
    std::map<std::string, std::unique_ptr<CgroupState>, std::less<>> children;
  };
  void Close(CgroupState& c);
  void List(Parent& parent, const std::string& base_dir);

  FileReader& files_;
  std::unique_ptr<CgroupState> root_;
  std::vector<Parent> parents_;
  std::vector<CgroupState*> ordered_;
  uint64_t round_ = 0;
};

}  // namespace swarmscope::cgroup
