#pragma once

// The trees and the floors of cgroup_bench: fixture trees on tmpfs and real cgroups with
// `n` containers, the files one sweep reads, and the two floors measured over them
// (open/read/close, and pread on descriptors kept open, in a process of its own).

#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

#include "collector/exporter.h"
#include "exporters/cgroup/taskstats.h"

namespace swarmscope::bench {

/// The files the exporter reads per v1 controller for a container (no fallbacks).
const std::vector<std::pair<std::string, std::vector<std::string>>>& V1Files();

/// The 64-hex id of container `i`.
std::string Id(size_t i);
std::vector<std::string> Lines(const std::string& path);

/// A fixture-based tree on tmpfs with `n` containers. Returns its root.
std::string MakeTree(size_t n);
/// Real cgroups: `n` empty container cgroups under /docker in every v1 hierarchy here.
bool MakeRealCgroups(size_t n);
void RemoveRealCgroups(size_t n);

/// What one sweep reads: files, links the open/read/close sweep resolves, and cgroup
/// directories cgroupstats is asked about.
struct Sweep {
  std::vector<std::string> files;        ///< read by both floors
  std::vector<std::string> orc_only;     ///< read by the open/read/close floor alone
  std::vector<std::string> links;        ///< readlink by the open/read/close floor
  std::vector<std::string> cgroupstats;  ///< directories asked about over netlink
};

/// The files the exporter reports data from, for the root and `n` containers under
/// `cgroup_root`: every one of them, read every sweep (the limit files too, which the
/// exporter reads only when due).
Sweep SweepOf(const std::string& cgroup_root, const std::string& procfs, size_t n, bool netlink,
              bool fixture);

/// One sweep with open/read/close (and readlink, and a cgroupstats request per directory).
Clock::duration OpenReadCloseFloor(const Sweep& s, cgroup::CgroupStatsClient& client);

size_t OpenDescriptors();
size_t SoftLimit();

/// The pread floor in a child process started before the exporter: it holds its own
/// descriptors (as many as the exporter will, which together might not fit in the limit)
/// for as long as the measurement lasts, and runs one sweep per request. No fork happens
/// while the exporter runs (a fork would make the exporter's next writes fault,
/// copy-on-write).
class PreadFloorProcess {
 public:
  explicit PreadFloorProcess(const Sweep& s);
  ~PreadFloorProcess();
  PreadFloorProcess(const PreadFloorProcess&) = delete;
  PreadFloorProcess& operator=(const PreadFloorProcess&) = delete;

  struct Answer {
    Clock::duration took{};
    bool all_kept = false;
  };
  /// One sweep, timed in the child.
  Answer Run();

 private:
  pid_t pid_ = -1;
  int requests_ = -1;
  int answers_ = -1;
};

}  // namespace swarmscope::bench
