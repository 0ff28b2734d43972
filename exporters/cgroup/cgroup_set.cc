#include "exporters/cgroup/cgroup_set.h"

#include <sys/stat.h>

#include <utility>

namespace swarmscope::cgroup {
namespace {

constexpr std::string_view kFileNames[kFileCount] = {
    "cpuacct.usage",
    "cpuacct.usage_user",
    "cpuacct.usage_sys",
    "cpuacct.stat",
    "cpu.stat",
    "cpu.cfs_period_us",
    "cpu.cfs_quota_us",
    "cpu.shares",
    "cpu.max",
    "cpu.weight",
    "memory.usage_in_bytes",
    "memory.max_usage_in_bytes",
    "memory.failcnt",
    "memory.limit_in_bytes",
    "memory.soft_limit_in_bytes",
    "memory.memsw.limit_in_bytes",
    "memory.memsw.usage_in_bytes",
    "memory.oom_control",
    "memory.stat",
    "memory.current",
    "memory.peak",
    "memory.max",
    "memory.low",
    "memory.swap.max",
    "memory.swap.current",
    "memory.events",
    "pids.current",
    "pids.max",
    "blkio.throttle.io_service_bytes",
    "blkio.throttle.io_serviced",
    "io.stat",
    "cpu.pressure",
    "memory.pressure",
    "io.pressure",
    "cgroup.procs",
    "tasks",
    "cgroup.threads",
};

// The names follow FileId: a name missing in the middle would shift those after it.
static_assert(kFileNames[kCpuacctStat] == "cpuacct.stat" &&
              kFileNames[kMemEvents] == "memory.events" &&
              kFileNames[kIoPressure] == "io.pressure" && kFileNames[kThreads] == "cgroup.threads");

// "/docker", "docker/" and "/docker/" are the same parent.
std::string NormalizeParent(std::string_view parent) {
  std::string out = "/";
  out += parent;
  while (out.size() > 1 && out.back() == '/') {
    out.pop_back();
  }
  while (out.size() > 1 && out[1] == '/') {
    out.erase(0, 1);
  }
  return out;
}

bool SameInode(DIR* dir, const std::string& path) {
  struct stat open_dir {};
  struct stat now {};
  return ::fstat(::dirfd(dir), &open_dir) == 0 && ::stat(path.c_str(), &now) == 0 &&
         open_dir.st_dev == now.st_dev && open_dir.st_ino == now.st_ino;
}

}  // namespace

std::string_view FileName(FileId id) { return kFileNames[id]; }

FileShape ShapeOf(FileId id) {
  return id == kProcs || id == kTasks || id == kThreads ? FileShape::kRecords : FileShape::kWhole;
}

bool IsLimit(FileId id) {
  switch (id) {
    case kCfsPeriod:
    case kCfsQuota:
    case kCpuShares:
    case kCpuMax:
    case kCpuWeight:
    case kMemLimit:
    case kMemSoftLimit:
    case kMemswLimit:
    case kMemMax:
    case kMemLow:
    case kSwapMax:
    case kPidsMax:
      return true;
    default:
      return false;
  }
}

CgroupSet::CgroupSet(FileReader& files) : files_(files) {}

CgroupSet::~CgroupSet() { Clear(); }

void CgroupSet::Close(CgroupState& c) {
  for (auto& f : c.files) {
    files_.Close(f);
  }
  files_.Close(c.dir);
  files_.Close(c.net_dev);
  files_.Close(c.diskstats);
  for (auto& f : c.io) {
    files_.Close(f.file);
  }
  for (auto& f : c.threads) {
    files_.Close(f.file);
  }
}

void CgroupSet::Clear() {
  if (root_) {
    Close(*root_);
    root_.reset();
  }
  for (auto& p : parents_) {
    for (auto& [name, c] : p.children) {
      Close(*c);
    }
    if (p.dir != nullptr) {
      ::closedir(p.dir);
    }
  }
  parents_.clear();
  ordered_.clear();
}

void CgroupSet::List(Parent& parent, const std::string& base_dir) {
  std::string path;
  AppendPath(path, base_dir, parent.path, {});
  // A parent removed and made again (dockerd restarted) is a new directory: the old one
  // would list nothing forever.
  if (parent.dir != nullptr && !SameInode(parent.dir, path)) {
    ::closedir(parent.dir);
    parent.dir = nullptr;
  }
  if (parent.dir == nullptr) {
    parent.dir = ::opendir(path.c_str());
    if (parent.dir == nullptr) {
      return;  // not there (yet): its children, if any were known, are gone
    }
  } else {
    ::rewinddir(parent.dir);
  }
  while (const dirent* e = ::readdir(parent.dir)) {
    const std::string_view name = e->d_name;
    const std::string_view id = ContainerIdFromCgroupName(name);
    if (id.empty()) {
      continue;
    }
    auto it = parent.children.find(name);
    if (it == parent.children.end()) {
      std::string cgroup_path = parent.path;
      cgroup_path += '/';
      cgroup_path += name;
      it = parent.children
               .emplace(std::string(name),
                        std::make_unique<CgroupState>(std::move(cgroup_path), std::string(id)))
               .first;
    }
    it->second->seen_round = round_;
  }
}

const std::vector<CgroupState*>& CgroupSet::Discover(const std::string& base_dir,
                                                     const std::vector<std::string>& parents) {
  ++round_;
  bool same_parents = parents_.size() == parents.size();
  for (size_t i = 0; same_parents && i < parents.size(); ++i) {
    same_parents = parents_[i].path == NormalizeParent(parents[i]);
  }
  if (!same_parents) {
    Clear();
    for (const auto& p : parents) {
      parents_.push_back(Parent{NormalizeParent(p), nullptr, {}});
    }
  }
  if (root_ && root_->gone) {
    Close(*root_);
    root_.reset();
  }
  if (!root_) {
    root_ = std::make_unique<CgroupState>("/", "");
  }
  ordered_.clear();
  ordered_.push_back(root_.get());
  for (auto& parent : parents_) {
    if (parent.path == "/") {
      continue;  // the root is reported once, not as a container
    }
    List(parent, base_dir);
    for (auto it = parent.children.begin(); it != parent.children.end();) {
      CgroupState& c = *it->second;
      if (c.seen_round != round_ || c.gone) {
        Close(c);
        it = parent.children.erase(it);
        continue;
      }
      ordered_.push_back(&c);
      ++it;
    }
  }
  return ordered_;
}

}  // namespace swarmscope::cgroup
