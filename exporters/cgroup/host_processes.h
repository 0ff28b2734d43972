#pragma once

// The processes of each container cgroup by their pids in the procfs the exporter reads,
// for when that procfs is not of the collector's own pid namespace (a swarm service cannot
// have `pid: host`; the host's /proc is bind-mounted instead). The kernel renders
// cgroup.procs in the reader's namespace and leaves out every process outside it, so there
// it lists nothing for other containers, and the collector's own pids (1, ...) would name
// the host's processes in that procfs. Instead: the procfs is listed every scrape and each
// process's <procfs>/<pid>/cgroup read when it is first seen, kept by pid.

#include <dirent.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "exporters/cgroup/kept_files.h"
#include "exporters/cgroup/proc_parsers.h"

namespace swarmscope::cgroup {

/// Whose pids the procfs at `procfs` shows (ProcfsPidView of what this process sees there).
/// `*self_link` gets the target of <procfs>/self, "" if none (for the log).
PidView ProcfsPidViewOf(const std::string& procfs, std::string* self_link = nullptr);

/// Whether this process is in the cgroup namespace of the procfs' host: that of
/// <procfs>/1, else of <procfs>/2 (kthreadd). True when neither can be read (a kernel
/// without cgroup namespaces, or a fixture tree).
bool InHostCgroupNamespace(const std::string& procfs);

/// The processes of a procfs by container (see the file comment). Not thread-safe (one
/// scrape at a time).
class HostProcesses {
 public:
  /// `controller`: the v1 controller whose line of /proc/<pid>/cgroup places a process
  /// (that of the hierarchy the exporter takes cgroup.procs from), "" on v2.
  /// `slash_is_root`: this process's cgroup namespace is the host's, so that "/" in
  /// /proc/<pid>/cgroup is the root cgroup (in a namespace of its own, "/" is the
  /// namespace's root, the collector's own cgroup, and the root cgroup's processes are
  /// not known).
  HostProcesses(std::string procfs, std::string controller, bool slash_is_root = true);
  ~HostProcesses();
  HostProcesses(const HostProcesses&) = delete;
  HostProcesses& operator=(const HostProcesses&) = delete;

  /// Lists the procfs again and reads the cgroup file of the processes that need it (see
  /// Update). False when the procfs cannot be listed: every container then has none.
  bool Refresh();

  /// One process directory of a listing: its pid and the inode number readdir gave it.
  struct Listed {
    int64_t pid = 0;
    uint64_t ino = 0;
  };
  /// The text of <procfs>/<pid>/cgroup, nullopt when it cannot be read (the process
  /// exited). Valid until the next call.
  using ReadCgroup = std::function<std::optional<std::string_view>(int64_t pid)>;
  /// Takes `listed` (any order) as the processes now, reading the cgroup file of:
  ///  - a pid not seen before;
  ///  - a pid whose directory has another inode number: a new process that reuses the pid
  ///    of one that exited (procfs gives each process's directory a new inode; one whose
  ///    dentry was evicted meanwhile is read again, needlessly, but read right);
  ///  - a pid read only once so far: processes are moved into their container's cgroup
  ///    just after they start (runc exec), so a process is placed for good only when two
  ///    reads a scrape apart agree.
  /// Pids no longer listed are forgotten. Processes moved later by hand (a write to
  /// cgroup.procs) keep the cgroup they were placed in.
  void Update(std::span<const Listed> listed, const ReadCgroup& read);

  /// The pids (sorted) of the processes directly in the cgroup of container `id`.
  std::span<const int64_t> PidsOf(std::string_view id) const;
  /// The pids (sorted) of the processes directly in the root cgroup.
  std::span<const int64_t> RootPids() const { return root_pids_; }
  /// Lists the threads of each of `pids` (<procfs>/<pid>/task) into `tids` (cleared
  /// first, sorted). Processes that exited meanwhile have none.
  void ThreadsOf(std::span<const int64_t> pids, std::vector<int64_t>& tids) const;

  /// Processes known, and cgroup files read by the last Update.
  size_t size() const { return entries_.size(); }
  size_t reads() const { return reads_; }
  const std::string& procfs() const { return procfs_; }

 private:
  struct Entry {
    int64_t pid = 0;
    uint64_t ino = 0;
    std::string container_id;  ///< "" when not directly in a container cgroup
    bool root = false;
    bool placed = false;     ///< its cgroup file was read once
    bool confirmed = false;  ///< two reads agreed
  };
  /// Reads `e`'s cgroup again; false when it cannot be read (the process is gone).
  bool Place(Entry& e, const ReadCgroup& read);
  void Index();

  std::string procfs_;
  std::string controller_;
  bool slash_is_root_;
  DIR* dir_ = nullptr;
  std::vector<Entry> entries_;  ///< by pid
  std::vector<Entry> next_;     ///< scratch of Update
  std::vector<Listed> listed_;  ///< scratch of Refresh
  std::vector<Listed> sorted_;  ///< scratch of Update
  size_t reads_ = 0;
  /// Container ids and their pids, sorted by (id, pid): ids_[i] is the container of pids_[i].
  std::vector<std::string_view> ids_;
  std::vector<int64_t> pids_;
  std::vector<int64_t> root_pids_;
  ReadBuffer buffer_;
  std::string path_;
};

}  // namespace swarmscope::cgroup
