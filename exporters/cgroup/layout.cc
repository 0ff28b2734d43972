#include "exporters/cgroup/layout.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <poll.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <utility>

#include "exporters/cgroup/kept_files.h"

namespace swarmscope::cgroup {
namespace {

std::string Join(const std::string& dir, std::string_view rel) {
  std::string out;
  AppendPath(out, dir, rel, {});
  return out;
}

struct Controller {
  std::string_view option;
  Hierarchy hierarchy;
};
constexpr Controller kControllers[] = {
    {"cpu", Hierarchy::kCpu},     {"cpuacct", Hierarchy::kCpuacct}, {"memory", Hierarchy::kMemory},
    {"blkio", Hierarchy::kBlkio}, {"pids", Hierarchy::kPids},
};

}  // namespace

bool Layout::has_v1() const {
  for (const auto& c : kControllers) {
    if (has(c.hierarchy)) {
      return true;
    }
  }
  return false;
}

Hierarchy Layout::base() const {
  for (Hierarchy h : {Hierarchy::kMemory, Hierarchy::kCpuacct, Hierarchy::kCpu, Hierarchy::kPids}) {
    if (has(h)) {
      return h;
    }
  }
  return Hierarchy::kUnified;
}

void AppendPath(std::string& out, std::string_view dir, std::string_view rel,
                std::string_view name) {
  out += dir;
  if (!rel.empty() && rel != "/") {
    if (!out.empty() && out.back() == '/') {
      out.pop_back();
    }
    if (rel.front() != '/') {
      out += '/';
    }
    out += rel;
  }
  if (!name.empty()) {
    if (out.empty() || out.back() != '/') {
      out += '/';
    }
    out += name;
  }
}

std::string PathMapper::Map(const std::string& host_path) const {
  if (sysfs != "/sys" && (host_path == "/sys" || host_path.rfind("/sys/", 0) == 0)) {
    return Join(sysfs, host_path.substr(4));
  }
  if (rootfs != "/" && !rootfs.empty()) {
    return Join(rootfs, host_path);
  }
  return host_path;
}

Layout DiscoverLayout(const std::vector<Mount>& mounts, const PathMapper& paths) {
  Layout layout;
  auto& unified = layout.dirs[static_cast<size_t>(Hierarchy::kUnified)];
  for (const auto& m : mounts) {
    if (m.fs_type == "cgroup2") {
      if (unified.empty()) {
        unified = paths.Map(m.mount_point);
      }
      continue;
    }
    if (m.fs_type != "cgroup") {
      continue;
    }
    // Controllers are among the super options: "rw,cpu,cpuacct" (co-mounted) or "rw,memory".
    std::string_view options = m.super_options;
    while (!options.empty()) {
      const size_t comma = options.find(',');
      const std::string_view option = options.substr(0, comma);
      options.remove_prefix(comma == std::string_view::npos ? options.size() : comma + 1);
      for (const auto& c : kControllers) {
        auto& dir = layout.dirs[static_cast<size_t>(c.hierarchy)];
        if (option == c.option && dir.empty()) {
          dir = paths.Map(m.mount_point);
        }
      }
    }
  }
  return layout;
}

MountWatch::MountWatch(std::string procfs) : procfs_(std::move(procfs)) {}

MountWatch::~MountWatch() { Close(); }

void MountWatch::Close() {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

bool MountWatch::Open() {
  // PID 1's table is the host's when --path.procfs is the host's /proc (in a container).
  for (const char* who : {"/1/mountinfo", "/self/mountinfo"}) {
    path_ = procfs_ + who;
    fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ >= 0) {
      struct statfs fs {};
      polling_ = ::fstatfs(fd_, &fs) == 0 && fs.f_type == PROC_SUPER_MAGIC;
      return true;
    }
  }
  path_ = procfs_ + "/1/mountinfo";
  return false;
}

MountWatch::Status MountWatch::ReadAgain() {
  ReadBuffer buffer;
  if (PreadAll(fd_, buffer, FileShape::kUntilEof) != 0) {
    Close();
    return Status::kUnreadable;
  }
  if (buffer.text() == text_) {
    return Status::kUnchanged;
  }
  text_.assign(buffer.text());
  return Status::kChanged;
}

MountWatch::Status MountWatch::Check() {
  if (fd_ < 0) {
    if (!Open()) {
      return Status::kUnreadable;
    }
    text_.clear();
    const Status first = ReadAgain();
    return first == Status::kUnreadable ? first : Status::kChanged;
  }
  if (!polling_) {
    return ReadAgain();
  }
  pollfd p{fd_, POLLPRI, 0};
  if (::poll(&p, 1, 0) < 0 || (p.revents & POLLNVAL) != 0) {
    Close();
    return Check();
  }
  if ((p.revents & (POLLPRI | POLLERR)) == 0) {
    return Status::kUnchanged;
  }
  // Mounts changed (a container's start or stop mounts too): the layout may be the same.
  return ReadAgain();
}

}  // namespace swarmscope::cgroup
