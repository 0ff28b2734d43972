// The parts of CgroupReader that read /proc for a cgroup: its processes' network and I/O,
// and its threads' states (from the kernel's cgroupstats, else from /proc).

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "exporters/cgroup/cgroup_reader.h"

namespace swarmscope::cgroup {

void CgroupReader::MalformedProc(std::string_view path, std::string_view what) {
  ctx_->Error("malformed_file", "unexpected content in a /proc file; its metrics are left out",
              {{"file", path}, {"problem", what}});
}

void CgroupReader::SyncIdFiles(std::vector<IdFile>& files, std::span<const int64_t> sorted_ids) {
  // Both lists are sorted: one merge keeps the descriptors of ids still listed, closes the
  // others', and adds the new ids unopened.
  id_files_.clear();
  size_t i = 0;
  for (const int64_t id : sorted_ids) {
    while (i < files.size() && files[i].id < id) {
      files_.Close(files[i++].file);
    }
    if (i < files.size() && files[i].id == id) {
      id_files_.push_back(files[i++]);
    } else {
      id_files_.push_back(IdFile{id, {}});
    }
  }
  for (; i < files.size(); ++i) {
    files_.Close(files[i].file);
  }
  files.swap(id_files_);
}

bool CgroupReader::ListProcesses(CgroupState& c) {
  if (host_ != nullptr) {
    // The procfs is of another pid namespace: cgroup.procs would list this process's
    // namespace only (nothing for other containers), and its pids would name other
    // processes there. The listing of the procfs says which processes are the cgroup's.
    const auto pids = c.path == "/" ? host_->RootPids() : host_->PidsOf(c.container_id);
    ids_.assign(pids.begin(), pids.end());
    return true;
  }
  const Hierarchy h = layout_.base();
  auto text = Text(c, h, kProcs);
  if (!text) {
    return false;
  }
  if (!ParseIdList(*text, ids_)) {
    Malformed(c, h, kProcs, "expected one pid per line");
    return false;
  }
  return true;
}

void CgroupReader::ReadProcesses(CgroupState& c, bool fallback_io) {
  if (!ListProcesses(c)) {
    return;
  }
  Stats& s = c.stats;
  s.processes = ids_.size();
  // The root cgroup's processes are the host's: its network is the host's /proc/1/net/dev,
  // and its block I/O, where the cgroup files have none, the host's disks.
  if (c.path == "/") {
    ReadNetwork(c, 1);
    if (fallback_io) {
      ReadHostDisks(c);
    }
    return;
  }
  if (ids_.empty()) {
    return;
  }
  ReadNetwork(c, ids_.front());
  if (fallback_io) {
    ReadProcIo(c);
  }
}

bool CgroupReader::OwnNetwork(int64_t pid) {
  std::string path;
  if (!host_net_.link.empty()) {
    ProcPath(path, pid, "/ns/net");
    char link[128];
    const ssize_t n = ::readlinkat(ProcRoot(), path.c_str(), link, sizeof(link));
    if (n > 0) {
      return std::string_view(link, static_cast<size_t>(n)) != host_net_.link;
    }
    path.clear();
  }
  // The link cannot be read (this process lacks ptrace access): the namespace's net/dev.
  ProcPath(path, pid, "/net/dev");
  struct stat st {};
  if (::fstatat(ProcRoot(), path.c_str(), &st, 0) != 0) {
    return false;  // exited
  }
  return host_net_.net_dev == 0 || st.st_ino != host_net_.net_dev || st.st_dev != host_net_.dev;
}

void CgroupReader::ReadNetwork(CgroupState& c, int64_t pid) {
  if (pid != c.net_pid) {
    // Another process speaks for the cgroup: look its namespace up once.
    files_.Close(c.net_dev);
    c.net_pid = pid;
    // A container on the host's network namespace has no network of its own (as
    // cAdvisor); that holds for a container's pid 1 too (only the root cgroup speaks for
    // the host).
    c.net_own = c.path == "/" || OwnNetwork(pid);
  }
  if (!c.net_own) {
    return;
  }
  const ReadStatus status = files_.Read(
      c.net_dev, ProcRoot(), [&](std::string& path) { ProcPath(path, pid, "/net/dev"); },
      FileShape::kRecords, buffer_);
  if (status != ReadStatus::kOk) {
    c.net_pid = 0;  // the process exited meanwhile: look again next scrape
    return;
  }
  if (!ParseNetDevInto(buffer_.text(), c.stats.net)) {
    MalformedProc(procfs_ + "/" + std::to_string(pid) + "/net/dev", "unexpected line");
    return;
  }
  // cAdvisor leaves out loopback and the host side of container links.
  std::erase_if(c.stats.net, [](const NetDevice& d) {
    return d.name == "lo" || d.name.rfind("veth", 0) == 0 || d.name.rfind("docker", 0) == 0;
  });
}

void CgroupReader::ReadHostDisks(CgroupState& c) {
  // The kernel keeps v1 blkio numbers only for throttled devices on many hosts: the root
  // cgroup (the whole host) then reports /proc/diskstats, as cAdvisor does for it.
  const ReadStatus status = files_.Read(
      c.diskstats, ProcRoot(),
      [&](std::string& path) {
        if (ProcRoot() < 0) {
          path += procfs_;
          path += '/';
        }
        path += "diskstats";
      },
      FileShape::kRecords, buffer_);
  if (status != ReadStatus::kOk) {
    return;  // no data
  }
  if (!ParseDiskstatsInto(buffer_.text(), c.stats.io)) {
    MalformedProc(procfs_ + "/diskstats", "unexpected line");
    return;
  }
  if (!c.stats.io.empty()) {
    c.stats.io_known = true;
    c.stats.io_ops_known = true;
  }
}

void CgroupReader::ReadProcIo(CgroupState& c) {
  // The kernel gives no block I/O numbers for this cgroup: sum /proc/<pid>/io.
  sorted_.assign(ids_.begin(), ids_.end());
  std::sort(sorted_.begin(), sorted_.end());
  sorted_.erase(std::unique(sorted_.begin(), sorted_.end()), sorted_.end());
  SyncIdFiles(c.io, sorted_);
  IoDevice sum;
  bool any = false;
  for (IdFile& f : c.io) {
    const ReadStatus status = files_.Read(
        f.file, ProcRoot(), [&](std::string& path) { ProcPath(path, f.id, "/io"); },
        FileShape::kWhole, buffer_);
    if (status != ReadStatus::kOk) {
      continue;  // exited meanwhile
    }
    if (auto io = ParseProcIo(buffer_.text())) {
      sum.read_bytes += io->read_bytes;
      sum.write_bytes += io->write_bytes;
      any = true;
    }
  }
  if (any) {
    c.stats.io.assign(1, sum);
    c.stats.io_known = true;
    c.stats.io_ops_known = false;
  }
}

void CgroupReader::ReadTaskStates(CgroupState& c) {
  // cgroupstats counts in the kernel with one request, and knows I/O waits; it answers
  // only for v1 directories in the initial network namespace.
  if (cgroupstats_ != nullptr && layout_.has_v1() && !c.no_cgroupstats &&
      ReadTaskStatesFromKernel(c)) {
    return;
  }
  ReadTaskStatesFromProc(c);
}

bool CgroupReader::ReadTaskStatesFromKernel(CgroupState& c) {
  // Its count is checked against pids.current: cgroupstats matches task states exactly,
  // and since Linux 6.1 tasks sleeping in nanosleep() or on a futex are TASK_INTERRUPTIBLE
  // | TASK_FREEZABLE, which it counts in no state at all. A count that misses tasks (those,
  // zombies, or tasks of child cgroups) is not used: /proc counts them right.
  if (!c.stats.threads) {
    c.no_cgroupstats = true;  // nothing to check it against (the root, no pids controller)
    return false;
  }
  const Hierarchy h = layout_.base();
  bool temporary = false;
  const int fd = files_.Directory(
      c.dir, RootOf(h), [&](std::string& path) { CgroupPath(path, h, c.path, {}); }, &temporary);
  if (fd < 0) {
    return false;
  }
  TaskStates states;
  const CgroupStatsClient::Result result = cgroupstats_->Query(fd, states);
  if (temporary) {
    FileReader::CloseTemporary(fd);
  }
  switch (result) {
    case CgroupStatsClient::Result::kOk:
      if (states.running + states.sleeping + states.stopped + states.uninterruptible +
              states.iowait ==
          *c.stats.threads) {
        c.stats.tasks = states;
        return true;
      }
      break;
    case CgroupStatsClient::Result::kRefused:
      break;  // not a cgroup v1 directory (a fixture tree)
    case CgroupStatsClient::Result::kUnavailable:
      return false;  // this time: ask again next scrape
  }
  c.no_cgroupstats = true;
  files_.Close(c.dir);
  return false;
}

bool CgroupReader::ListThreads(CgroupState& c) {
  if (host_ != nullptr) {
    // As for processes (ListProcesses): the threads of the cgroup's processes, from procfs.
    host_->ThreadsOf(c.path == "/" ? host_->RootPids() : host_->PidsOf(c.container_id), sorted_);
    return true;
  }
  const Hierarchy h = layout_.base();
  const FileId list = layout_.has_v1() ? kTasks : kThreads;
  auto text = Text(c, h, list);
  if (!text) {
    return false;
  }
  if (!ParseIdList(*text, sorted_)) {
    Malformed(c, h, list, "expected one thread id per line");
    return false;
  }
  std::sort(sorted_.begin(), sorted_.end());
  sorted_.erase(std::unique(sorted_.begin(), sorted_.end()), sorted_.end());
  return true;
}

void CgroupReader::ReadTaskStatesFromProc(CgroupState& c) {
  if (!ListThreads(c)) {
    return;
  }
  SyncIdFiles(c.threads, sorted_);
  TaskStates states;
  for (IdFile& f : c.threads) {
    // /proc/<tid>/task/<tid>/stat is the thread's own line (/proc/<tid>/stat would sum
    // the times of every thread of its process, for each thread).
    auto path_of = [&](std::string& path) {
      ProcPath(path, f.id, "/task/");
      path += std::to_string(f.id);
      path += "/stat";
    };
    const ReadStatus status = files_.Read(f.file, ProcRoot(), path_of, FileShape::kWhole, buffer_);
    if (status != ReadStatus::kOk) {
      continue;  // the thread ended meanwhile
    }
    const auto state = ParseTaskState(buffer_.text());
    if (!state) {
      const std::string tid = std::to_string(f.id);
      MalformedProc(procfs_ + "/" + tid + "/task/" + tid + "/stat",
                    "expected 'pid (comm) state ...'");
      continue;
    }
    CountTaskState(*state, states);
  }
  c.stats.tasks = states;
}

}  // namespace swarmscope::cgroup
