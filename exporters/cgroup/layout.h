#pragma once

// Where the cgroup hierarchies are (from mountinfo, never assumed), how a host path maps to
// where this process sees it, and a watch on the mount table so that the layout is worked
// out again only when mounts change.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "exporters/cgroup/cgroup_parsers.h"

namespace swarmscope::cgroup {

/// The hierarchies the exporter reads: v1 controllers, and the cgroup2 mount (v2 alone, or
/// next to v1 for PSI on a hybrid host).
enum class Hierarchy : uint8_t { kCpu, kCpuacct, kMemory, kBlkio, kPids, kUnified };
inline constexpr size_t kHierarchyCount = 6;

/// Where cgroup hierarchies are, as seen from this process.
struct Layout {
  /// Mount point per Hierarchy (as this process sees it), "" when not mounted. Co-mounted
  /// v1 controllers (cpu,cpuacct) share a directory.
  std::array<std::string, kHierarchyCount> dirs;

  const std::string& dir(Hierarchy h) const { return dirs[static_cast<size_t>(h)]; }
  bool has(Hierarchy h) const { return !dir(h).empty(); }
  /// Whether any v1 controller the exporter reads is mounted.
  bool has_v1() const;
  bool v2() const { return !has_v1() && has(Hierarchy::kUnified); }
  bool hybrid() const { return has_v1() && has(Hierarchy::kUnified); }
  bool empty() const { return !has_v1() && !has(Hierarchy::kUnified); }
  /// The hierarchy whose directories say which cgroups exist, and that holds cgroup.procs
  /// and the thread list: memory, else cpuacct, cpu, pids; the cgroup2 mount on v2.
  Hierarchy base() const;
  bool operator==(const Layout&) const = default;
};

/// Maps a host path (a mount point from mountinfo) to where this process sees it, given
/// --path.rootfs and --path.sysfs (e.g. /sys/fs/cgroup → /host/sys/fs/cgroup).
struct PathMapper {
  std::string rootfs = "/";
  std::string sysfs = "/sys";
  std::string Map(const std::string& host_path) const;
};

/// Finds the cgroup hierarchies among `mounts`. Never assumes a layout: v1 controllers
/// separate or co-mounted, v2 unified, or hybrid (v1 plus cgroup2 for PSI).
Layout DiscoverLayout(const std::vector<Mount>& mounts, const PathMapper& paths);

/// `dir` + `rel` + "/" + `name` into `out`, where `rel` is a cgroup path ("/" for the root,
/// else "/docker/<id>") and `name` may be empty (the directory itself).
void AppendPath(std::string& out, std::string_view dir, std::string_view rel,
                std::string_view name);

/// The mount table of <procfs>/1/mountinfo (else <procfs>/self/mountinfo), kept open. The
/// kernel flags a mount table change with POLLPRI|POLLERR on an open mountinfo, so a check
/// is one poll() with no timeout and the file is read again only after a change. When the
/// file is not procfs (a fixture tree) it cannot be polled, and it is read at every check.
class MountWatch {
 public:
  explicit MountWatch(std::string procfs);
  ~MountWatch();
  MountWatch(const MountWatch&) = delete;
  MountWatch& operator=(const MountWatch&) = delete;

  enum class Status {
    kUnchanged,   ///< same mounts as at the last check that returned kChanged
    kChanged,     ///< text() holds the new table (the first check always says so)
    kUnreadable,  ///< neither file can be opened or read (path() says which was tried)
  };
  Status Check();

  const std::string& text() const { return text_; }
  const std::string& path() const { return path_; }
  /// Whether changes are found by poll() (procfs) rather than by reading again.
  bool polling() const { return polling_; }

 private:
  bool Open();
  Status ReadAgain();
  void Close();

  std::string procfs_;
  std::string path_;
  std::string text_;
  std::string next_;
  int fd_ = -1;
  bool polling_ = false;
};

}  // namespace swarmscope::cgroup
