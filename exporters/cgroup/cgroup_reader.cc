#include "exporters/cgroup/cgroup_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <utility>

namespace swarmscope::cgroup {

CgroupReader::CgroupReader(Layout layout, std::string procfs, FileReader& files,
                           CgroupStatsClient* cgroupstats, HostNet host_net,
                           const HostProcesses* host)
    : layout_(std::move(layout)),
      procfs_(std::move(procfs)),
      files_(files),
      cgroupstats_(cgroupstats),
      host_net_(std::move(host_net)),
      host_(host),
      tick_ns_(1e9 / static_cast<double>(::sysconf(_SC_CLK_TCK))) {
  roots_.fill(-1);
  for (size_t h = 0; h < kHierarchyCount; ++h) {
    const std::string& dir = layout_.dirs[h];
    if (!dir.empty()) {
      roots_[h] = ::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    }
  }
  proc_root_ = ::open(procfs_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
}

CgroupReader::~CgroupReader() {
  for (int fd : roots_) {
    if (fd >= 0) {
      ::close(fd);
    }
  }
  if (proc_root_ >= 0) {
    ::close(proc_root_);
  }
}

int CgroupReader::RootOf(Hierarchy h) const {
  const int fd = roots_[static_cast<size_t>(h)];
  return fd >= 0 ? fd : AT_FDCWD;
}

void CgroupReader::CgroupPath(std::string& out, Hierarchy h, std::string_view cgroup,
                              std::string_view name) const {
  if (roots_[static_cast<size_t>(h)] < 0) {
    AppendPath(out, layout_.dir(h), cgroup, name);
    return;
  }
  while (!cgroup.empty() && cgroup.front() == '/') {
    cgroup.remove_prefix(1);
  }
  out += cgroup;
  if (!name.empty()) {
    if (!cgroup.empty()) {
      out += '/';
    }
    out += name;
  }
  if (out.empty()) {
    out.push_back('.');  // the root itself
  }
}

int CgroupReader::ProcRoot() const { return proc_root_ >= 0 ? proc_root_ : AT_FDCWD; }

void CgroupReader::ProcPath(std::string& out, int64_t pid, std::string_view rest) const {
  if (proc_root_ < 0) {
    out += procfs_;
    out += '/';
  }
  out += std::to_string(pid);
  out += rest;
}

bool CgroupReader::Read(CgroupState& c, ScrapeContext& ctx) {
  ctx_ = &ctx;
  c.stats.Clear();
  c.reads_ok = 0;
  reading_limits_ = c.limits_due || !c.limits_read;
  if (reading_limits_) {
    c.stats.limits = Limits();
  }
  if (layout_.has_v1()) {
    ReadV1(c);
    // Hybrid: PSI lives in the cgroup2 tree, where a container may have no directory.
    if (layout_.hybrid()) {
      ReadPressure(c);
    }
  } else {
    ReadV2(c);
  }
  if (!c.gone) {
    ReadTaskStates(c);
  }
  if (!c.gone && c.reads_ok == 0) {
    // Nothing could be read: gone, unless its directory is still there.
    std::string dir;
    CgroupPath(dir, layout_.base(), c.path, {});
    c.gone = ::faccessat(RootOf(layout_.base()), dir.c_str(), F_OK, 0) != 0;
  }
  if (!c.gone) {
    CreationTime(c, layout_.base());
    c.stats.start_time_seconds = c.created_seconds;
  }
  if (reading_limits_) {
    c.limits_read = true;
    c.limits_due = false;
    c.limits_read_at = scrape_time_;
    reading_limits_ = false;
  }
  c.present = !c.gone;
  ctx_ = nullptr;
  return c.present;
}

bool CgroupReader::Has(CgroupState& c, Hierarchy h) {
  if (c.gone || !layout_.has(h)) {
    return false;
  }
  bool& seen = c.dir_seen[static_cast<size_t>(h)];
  if (seen) {
    return true;
  }
  if (h != layout_.base() && !HasParent(c, h)) {
    return false;
  }
  std::string dir;
  CgroupPath(dir, h, c.path, {});
  seen = ::faccessat(RootOf(h), dir.c_str(), F_OK, 0) == 0;
  if (!seen && h == layout_.base()) {
    c.gone = true;  // removed between discovery and now
  }
  return seen;
}

bool CgroupReader::HasParent(const CgroupState& c, Hierarchy h) {
  // A hierarchy other than the base may lack the parent of every container (the cgroup2
  // tree of a hybrid host under runc's cgroupfs driver): looked up once per scrape rather
  // than once per container.
  const size_t slash = c.path.rfind('/');
  const std::string_view parent = std::string_view(c.path).substr(0, slash == 0 ? 1 : slash);
  for (const auto& p : parents_) {
    if (p.hierarchy == h && p.path == parent) {
      return p.exists;
    }
  }
  std::string dir;
  CgroupPath(dir, h, parent, {});
  parents_.push_back({h, std::string(parent), ::faccessat(RootOf(h), dir.c_str(), F_OK, 0) == 0});
  return parents_.back().exists;
}

std::optional<std::string_view> CgroupReader::Text(CgroupState& c, Hierarchy h, FileId id) {
  if (c.gone) {
    return std::nullopt;
  }
  auto path_of = [&](std::string& path) { CgroupPath(path, h, c.path, FileName(id)); };
  const ReadStatus status =
      IsLimit(id) ? files_.ReadOnce(RootOf(h), path_of, ShapeOf(id), buffer_)
                  : files_.Read(c.files[id], RootOf(h), path_of, ShapeOf(id), buffer_);
  if (status == ReadStatus::kGone) {
    // The cgroup is gone when its base directory is; elsewhere only that directory is (a
    // hybrid host's cgroup2 tree may lose it while the container runs on).
    if (h == layout_.base()) {
      c.gone = true;
    } else {
      c.dir_seen[static_cast<size_t>(h)] = false;
    }
  }
  if (status != ReadStatus::kOk) {
    return std::nullopt;
  }
  ++c.reads_ok;
  return buffer_.text();
}

void CgroupReader::Malformed(const CgroupState& c, Hierarchy h, FileId id, std::string_view what) {
  std::string file;
  AppendPath(file, layout_.dir(h), c.path, FileName(id));
  ctx_->Error("malformed_file", "unexpected content in a cgroup file; its metrics are left out",
              {{"file", file}, {"problem", what}});
}

std::optional<uint64_t> CgroupReader::U64(CgroupState& c, Hierarchy h, FileId id,
                                          std::optional<uint64_t> max_value) {
  auto text = Text(c, h, id);
  if (!text) {
    return std::nullopt;
  }
  auto v = ParseU64(*text, max_value);
  if (!v) {
    Malformed(c, h, id, "not a number");
  }
  return v;
}

bool CgroupReader::Keyed(CgroupState& c, Hierarchy h, FileId id,
                         std::span<const std::string_view> keys,
                         std::span<std::optional<uint64_t>> values) {
  auto text = Text(c, h, id);
  if (!text) {
    return false;
  }
  if (!ParseFlatKeyed(*text, keys, values)) {
    Malformed(c, h, id, "not a flat keyed file");
    return false;
  }
  return true;
}

void CgroupReader::CreationTime(CgroupState& c, Hierarchy h) {
  if (c.created_seconds) {
    return;
  }
  std::string dir;
  CgroupPath(dir, h, c.path, {});
  struct stat st {};
  if (::fstatat(RootOf(h), dir.c_str(), &st, 0) == 0) {
    c.created_seconds = static_cast<double>(st.st_ctime);
  }
}

}  // namespace swarmscope::cgroup
