#include "exporters/cgroup/host_processes.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <utility>

#include "exporters/cgroup/parse_util.h"

namespace swarmscope::cgroup {
namespace {

std::optional<int64_t> PidOfName(std::string_view name) {
  auto pid = parse::Number<int64_t>(name);
  if (!pid || *pid <= 0) {
    return std::nullopt;
  }
  return pid;
}

}  // namespace

PidView ProcfsPidViewOf(const std::string& procfs, std::string* self_link) {
  struct statfs fs {};
  const bool is_procfs = ::statfs(procfs.c_str(), &fs) == 0 && fs.f_type == PROC_SUPER_MAGIC;
  char link[64];
  const ssize_t n = ::readlink((procfs + "/self").c_str(), link, sizeof(link));
  std::optional<std::string_view> self;
  if (n > 0) {
    self = std::string_view(link, static_cast<size_t>(n));
  }
  if (self_link != nullptr) {
    *self_link = self ? std::string(*self) : std::string();
  }
  return ProcfsPidView(is_procfs, self, ::getpid());
}

bool InHostCgroupNamespace(const std::string& procfs) {
  auto link = [](const std::string& path) {
    char buf[64];
    const ssize_t n = ::readlink(path.c_str(), buf, sizeof(buf));
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
  };
  const std::string own = link("/proc/self/ns/cgroup");
  for (const char* pid : {"/1", "/2"}) {
    const std::string host = link(procfs + pid + "/ns/cgroup");
    if (!host.empty()) {
      return own.empty() || own == host;
    }
  }
  return true;
}

HostProcesses::HostProcesses(std::string procfs, std::string controller, bool slash_is_root)
    : procfs_(std::move(procfs)),
      controller_(std::move(controller)),
      slash_is_root_(slash_is_root) {}

HostProcesses::~HostProcesses() {
  if (dir_ != nullptr) {
    ::closedir(dir_);
  }
}

bool HostProcesses::Refresh() {
  if (dir_ == nullptr) {
    dir_ = ::opendir(procfs_.c_str());
  } else {
    ::rewinddir(dir_);
  }
  if (dir_ == nullptr) {
    Update({}, [](int64_t) { return std::nullopt; });
    return false;
  }
  listed_.clear();
  while (const dirent* e = ::readdir(dir_)) {
    if (auto pid = PidOfName(e->d_name)) {
      listed_.push_back({*pid, static_cast<uint64_t>(e->d_ino)});
    }
  }
  const int root = ::dirfd(dir_);
  Update(listed_, [&](int64_t pid) -> std::optional<std::string_view> {
    path_ = std::to_string(pid);
    path_ += "/cgroup";
    const int fd = ::openat(root, path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      return std::nullopt;
    }
    const int error = PreadAll(fd, buffer_, FileShape::kWhole);
    ::close(fd);
    if (error != 0) {
      return std::nullopt;
    }
    return buffer_.text();
  });
  return true;
}

bool HostProcesses::Place(Entry& e, const ReadCgroup& read) {
  ++reads_;
  const auto text = read(e.pid);
  if (!text) {
    return false;
  }
  ProcessCgroup now;
  if (const auto path = ParseProcCgroup(*text, controller_)) {
    now = ClassifyCgroupPath(*path);
    now.root = now.root && slash_is_root_;
  }
  e.confirmed = e.placed && now.root == e.root && now.container_id == e.container_id;
  e.placed = true;
  e.root = now.root;
  e.container_id.assign(now.container_id);
  return true;
}

void HostProcesses::Update(std::span<const Listed> listed, const ReadCgroup& read) {
  reads_ = 0;
  sorted_.assign(listed.begin(), listed.end());
  std::sort(sorted_.begin(), sorted_.end(),
            [](const Listed& a, const Listed& b) { return a.pid < b.pid; });
  // One merge of two lists sorted by pid: known processes are moved over, new ones read.
  next_.clear();
  size_t i = 0;
  for (const Listed& l : sorted_) {
    while (i < entries_.size() && entries_[i].pid < l.pid) {
      ++i;  // exited
    }
    Entry e;
    if (i < entries_.size() && entries_[i].pid == l.pid && entries_[i].ino == l.ino) {
      e = std::move(entries_[i++]);
    } else {
      e.pid = l.pid;  // new, or a new process with the pid of one that exited
    }
    if (e.confirmed || Place(e, read)) {
      e.ino = l.ino;
      next_.push_back(std::move(e));
    }
  }
  entries_.swap(next_);
  Index();
}

void HostProcesses::Index() {
  ids_.clear();
  pids_.clear();
  root_pids_.clear();
  std::vector<size_t> order;
  for (size_t i = 0; i < entries_.size(); ++i) {
    if (entries_[i].root) {
      root_pids_.push_back(entries_[i].pid);
    } else if (!entries_[i].container_id.empty()) {
      order.push_back(i);
    }
  }
  // entries_ is by pid, so a stable sort by id leaves each container's pids sorted.
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return entries_[a].container_id < entries_[b].container_id;
  });
  for (const size_t i : order) {
    ids_.push_back(entries_[i].container_id);
    pids_.push_back(entries_[i].pid);
  }
}

std::span<const int64_t> HostProcesses::PidsOf(std::string_view id) const {
  const auto [first, last] = std::equal_range(ids_.begin(), ids_.end(), id);
  return std::span<const int64_t>(pids_).subspan(static_cast<size_t>(first - ids_.begin()),
                                                 static_cast<size_t>(last - first));
}

void HostProcesses::ThreadsOf(std::span<const int64_t> pids, std::vector<int64_t>& tids) const {
  tids.clear();
  const int root = dir_ != nullptr ? ::dirfd(dir_) : AT_FDCWD;
  std::string path;
  for (const int64_t pid : pids) {
    path.clear();
    if (root == AT_FDCWD) {
      path = procfs_ + "/";
    }
    path += std::to_string(pid);
    path += "/task";
    const int fd = ::openat(root, path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
      continue;  // exited
    }
    DIR* task = ::fdopendir(fd);
    if (task == nullptr) {
      ::close(fd);
      continue;
    }
    while (const dirent* e = ::readdir(task)) {
      if (auto tid = PidOfName(e->d_name)) {
        tids.push_back(*tid);
      }
    }
    ::closedir(task);
  }
  std::sort(tids.begin(), tids.end());
  tids.erase(std::unique(tids.begin(), tids.end()), tids.end());
}

}  // namespace swarmscope::cgroup
