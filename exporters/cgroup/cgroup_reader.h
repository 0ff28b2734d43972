#pragma once

// The I/O seam of the cgroup exporter: reads one cgroup's files (and the /proc files its
// metrics need) under the roots of a Layout, into its Stats. Tests point it at fixture
// trees, the daemon at the host.

#include <array>
#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "collector/exporter.h"
#include "exporters/cgroup/cgroup_set.h"
#include "exporters/cgroup/host_processes.h"
#include "exporters/cgroup/kept_files.h"
#include "exporters/cgroup/layout.h"
#include "exporters/cgroup/taskstats.h"

namespace swarmscope::cgroup {

/// The host's network namespace, as far as it can be known. A namespace's link
/// (<procfs>/<pid>/ns/net) takes ptrace read access to the process, which a collector in a
/// container lacks for the host's processes (without CAP_SYS_PTRACE it holds fewer
/// capabilities than they do); its <procfs>/<pid>/net/dev does not, and that file's inode
/// is the namespace's own (procfs makes one per namespace).
struct HostNet {
  std::string link;      ///< "net:[...]", "" if it cannot be read
  uint64_t dev = 0;      ///< st_dev of <procfs>/1/net/dev
  uint64_t net_dev = 0;  ///< st_ino of <procfs>/1/net/dev, 0 if it cannot be had
  bool known() const { return !link.empty() || net_dev != 0; }
};

/// Reads cgroups of one layout. Holds the scratch buffers reused by every read. Not
/// thread-safe (one scrape at a time).
class CgroupReader {
 public:
  /// `cgroupstats` may be null (task states then come from /proc). `host_net` says which
  /// network namespace is the host's. `host`, when not null, says which
  /// processes each cgroup has (the procfs is of another pid namespace than this
  /// process's, whose pids cgroup.procs and tasks would list); it is refreshed by the
  /// caller before each scrape.
  CgroupReader(Layout layout, std::string procfs, FileReader& files, CgroupStatsClient* cgroupstats,
               HostNet host_net, const HostProcesses* host = nullptr);
  ~CgroupReader();
  CgroupReader(const CgroupReader&) = delete;
  CgroupReader& operator=(const CgroupReader&) = delete;

  /// Starts a scrape at `now`: what was learnt of directories in the last one may have
  /// changed.
  void BeginScrape(std::chrono::steady_clock::time_point now) {
    parents_.clear();
    scrape_time_ = now;
  }

  /// Reads `c` into `c.stats`; its limits (`c.stats.limits`) only when it has none yet or
  /// `c.limits_due`, else they stay as last read. Returns false when the cgroup vanished
  /// (`c.gone`): leave it out whole, silently, as its files may have been half read. Malformed
  /// files are reported through `ctx` and leave their metrics out.
  bool Read(CgroupState& c, ScrapeContext& ctx);

  const Layout& layout() const { return layout_; }

 private:
  // Paths (cgroup_reader.cc). Files are opened relative to a descriptor of their
  // hierarchy's mount (or of procfs), which spares the kernel walking the same prefix for
  // every file; when that descriptor cannot be had, by their whole path.
  int RootOf(Hierarchy h) const;
  /// The path of `name` in cgroup `cgroup` of `h`, relative to RootOf(h).
  void CgroupPath(std::string& out, Hierarchy h, std::string_view cgroup,
                  std::string_view name) const;
  int ProcRoot() const;
  /// The path of <procfs>/<pid><rest> relative to ProcRoot() (`rest` starts with '/').
  void ProcPath(std::string& out, int64_t pid, std::string_view rest) const;

  // Cgroup files (cgroup_stats_reader.cc).
  void ReadV1(CgroupState& c);
  void ReadV1Cpu(CgroupState& c);
  void ReadV1Memory(CgroupState& c);
  bool ReadV1Blkio(CgroupState& c);
  void ReadV2(CgroupState& c);
  void ReadV2Cpu(CgroupState& c);
  void ReadV2Memory(CgroupState& c);
  void ReadV1Limits(CgroupState& c);
  void ReadV2Limits(CgroupState& c);
  void ReadPressure(CgroupState& c);
  /// Whether `c` has a directory in `h` (looked up once; again each scrape while missing).
  bool Has(CgroupState& c, Hierarchy h);
  /// Whether the parent directory of `c` exists in `h` (this scrape).
  bool HasParent(const CgroupState& c, Hierarchy h);
  /// The text of file `id` of `c` in `h` (valid until the next read), or nullopt: no data.
  std::optional<std::string_view> Text(CgroupState& c, Hierarchy h, FileId id);
  std::optional<uint64_t> U64(CgroupState& c, Hierarchy h, FileId id,
                              std::optional<uint64_t> max_value = std::nullopt);
  /// Looks `keys` up in flat keyed file `id`; false (reported) when malformed or absent.
  bool Keyed(CgroupState& c, Hierarchy h, FileId id, std::span<const std::string_view> keys,
             std::span<std::optional<uint64_t>> values);
  void Malformed(const CgroupState& c, Hierarchy h, FileId id, std::string_view what);
  void CreationTime(CgroupState& c, Hierarchy h);

  // Processes, threads, network and /proc (process_reader.cc).
  void ReadProcesses(CgroupState& c, bool fallback_io);
  void ReadNetwork(CgroupState& c, int64_t pid);
  /// Whether process `pid` has a network namespace other than the host's (true when the
  /// host's is unknown; false when the process is gone).
  bool OwnNetwork(int64_t pid);
  void ReadProcIo(CgroupState& c);
  void ReadHostDisks(CgroupState& c);
  void ReadTaskStates(CgroupState& c);
  bool ReadTaskStatesFromKernel(CgroupState& c);
  void ReadTaskStatesFromProc(CgroupState& c);
  /// The processes of `c` into ids_: its cgroup.procs, or from host_. False: no data.
  bool ListProcesses(CgroupState& c);
  /// The threads of `c` into sorted_ (sorted, unique): its tasks / cgroup.threads, or from
  /// host_. False: no data.
  bool ListThreads(CgroupState& c);
  /// Keeps one IdFile per id of `sorted_ids` in `files` (closing the rest).
  void SyncIdFiles(std::vector<IdFile>& files, std::span<const int64_t> sorted_ids);
  void MalformedProc(std::string_view path, std::string_view what);

  Layout layout_;
  std::string procfs_;
  FileReader& files_;
  CgroupStatsClient* cgroupstats_;
  HostNet host_net_;
  const HostProcesses* host_;
  std::array<int, kHierarchyCount> roots_;  ///< O_PATH descriptors of the mounts, or -1
  int proc_root_ = -1;
  ScrapeContext* ctx_ = nullptr;
  std::chrono::steady_clock::time_point scrape_time_{};
  bool reading_limits_ = false;  ///< the cgroup being read has its limits read too

  struct Parent {
    Hierarchy hierarchy;
    std::string path;
    bool exists;
  };
  std::vector<Parent> parents_;  ///< parents looked up this scrape

  ReadBuffer buffer_;
  double tick_ns_;
  std::vector<int64_t> ids_;
  std::vector<int64_t> sorted_;
  std::vector<IdFile> id_files_;
};

}  // namespace swarmscope::cgroup
