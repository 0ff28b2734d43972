#pragma once

// Pure parsers of the /proc files the cgroup exporter reads: bytes in, plain struct out. No
// I/O, no globals, no throws. (The kernel's cgroupstats messages: cgroupstats_parsers.h.)

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "exporters/cgroup/cgroup_parsers.h"

namespace swarmscope::cgroup {

/// /proc/<pid>/io: bytes the process (and its reaped children) made the storage layer
/// read and write.
struct ProcIo {
  uint64_t read_bytes = 0;
  uint64_t write_bytes = 0;
};
std::optional<ProcIo> ParseProcIo(std::string_view text);

/// /proc/diskstats, the host's block I/O, into `disks` (cleared first): the whole disks only
/// (bytes from 512-byte sectors, reads and writes completed), so that nothing counts twice:
/// partitions (a listed disk's name plus digits, or "p" and digits: sda1, nvme0n1p1) are in
/// their disk's numbers, device-mapper and md devices in those of the disks under them, and
/// loop, ram, zram, optical and floppy devices are no disks. False on a malformed line.
bool ParseDiskstatsInto(std::string_view text, std::vector<IoDevice>& disks);

/// One interface of /proc/<pid>/net/dev.
struct NetDevice {
  std::string name;
  uint64_t rx_bytes = 0, rx_packets = 0, rx_errors = 0, rx_dropped = 0;
  uint64_t tx_bytes = 0, tx_packets = 0, tx_errors = 0, tx_dropped = 0;
};
/// /proc/<pid>/net/dev into `devices` (cleared first; its strings' memory is reused).
bool ParseNetDevInto(std::string_view text, std::vector<NetDevice>& devices);
std::optional<std::vector<NetDevice>> ParseNetDev(std::string_view text);

/// The state letter of /proc/<pid>/task/<tid>/stat (field 3: R, S, D, T, t, Z, I, ...).
/// The command name may hold spaces and parentheses, so the state is found after the last
/// ')'. nullopt when the line does not look like a stat line.
std::optional<char> ParseTaskState(std::string_view stat);

/// Tasks (threads) of a cgroup by state, as in cAdvisor's container_tasks_state.
struct TaskStates {
  uint64_t running = 0;
  uint64_t sleeping = 0;
  uint64_t stopped = 0;
  uint64_t uninterruptible = 0;
  uint64_t iowait = 0;
  /// Whether `iowait` is known: only the kernel's cgroupstats counts tasks waiting on I/O;
  /// the task states in /proc cannot tell them apart from other uninterruptible sleeps.
  bool has_iowait = false;
};

/// Counts one task of /proc state `state` (R running, S sleeping, D uninterruptible, T and
/// t stopped). Other states (I idle kernel threads, Z zombies, X, P, W) count in none, as
/// in cgroupstats. Returns whether it was counted.
bool CountTaskState(char state, TaskStates& states);

// --- processes of another pid namespace ----------------------------------------------------

/// The cgroup of a process in one hierarchy, from /proc/<pid>/cgroup
/// ("hierarchy-id:controllers:path" lines): on v1 the line whose controller list holds
/// `controller` ("memory"), on v2 (`controller` empty) the "0::" line. nullopt when no line
/// matches or a line is malformed; a cgroup being removed (v2's " (deleted)") has none.
/// The path is relative to the reader's cgroup namespace, so it may start with "/..".
std::optional<std::string_view> ParseProcCgroup(std::string_view text, std::string_view controller);

/// What a process's cgroup path (from ParseProcCgroup) says it belongs to, for the
/// exporter: a container (the id in its last component: a 64-hex name or
/// docker-<id>.scope; cgroup.procs semantics, so a process in a child cgroup of a
/// container is not one of its processes), the root cgroup, or neither.
struct ProcessCgroup {
  std::string_view container_id;  ///< "" when not directly in a container cgroup
  bool root = false;              ///< directly in the root cgroup ("/")
};
ProcessCgroup ClassifyCgroupPath(std::string_view path);

/// Whose pids a procfs shows. The kernel renders cgroup.procs and tasks in the reader's
/// pid namespace and leaves out processes outside it, while a bind-mounted host /proc
/// names processes by their host pids: when the two namespaces differ, cgroup.procs says
/// nothing about other containers and its pids name other processes in that procfs.
enum class PidView {
  kSame,   ///< the procfs is of this process's pid namespace (or is a fixture tree)
  kOther,  ///< another namespace's: processes are found by listing the procfs
};
/// `is_procfs`: the directory is a procfs mount (not a fixture tree). `self_link`: the
/// target of <procfs>/self (nullopt if it cannot be read: this process is not in that
/// namespace). `own_pid`: getpid().
PidView ProcfsPidView(bool is_procfs, std::optional<std::string_view> self_link, int64_t own_pid);

}  // namespace swarmscope::cgroup
