#include "exporters/cgroup/proc_parsers.h"

#include <algorithm>
#include <cstring>

#include "exporters/cgroup/cgroup_parsers.h"
#include "exporters/cgroup/parse_util.h"

namespace swarmscope::cgroup {
namespace {

using parse::ForEachLine;
using parse::NextField;
using parse::Number;
using parse::TrimSpace;

// Whether `list` ("cpu,cpuacct") holds `name`.
bool HasController(std::string_view list, std::string_view name) {
  while (!list.empty()) {
    const size_t comma = list.find(',');
    if (list.substr(0, comma) == name) {
      return true;
    }
    list.remove_prefix(comma == std::string_view::npos ? list.size() : comma + 1);
  }
  return false;
}

}  // namespace

std::optional<ProcIo> ParseProcIo(std::string_view text) {
  constexpr std::string_view kKeys[] = {"read_bytes:", "write_bytes:"};
  std::optional<uint64_t> values[2];
  ForEachLine(text, [&](std::string_view line) {
    std::string_view rest = line;
    const std::string_view key = NextField(rest);
    for (size_t i = 0; i < 2; ++i) {
      if (key == kKeys[i] && !values[i]) {
        values[i] = Number<uint64_t>(TrimSpace(rest));
      }
    }
  });
  if (!values[0] || !values[1]) {
    return std::nullopt;
  }
  return ProcIo{*values[0], *values[1]};
}

namespace {

// Whether `name` is `disk` plus a partition suffix: digits (sda1), or "p" and digits
// (nvme0n1p1, mmcblk0p1).
bool IsPartitionOf(std::string_view name, std::string_view disk) {
  if (name.size() <= disk.size() || name.substr(0, disk.size()) != disk) {
    return false;
  }
  std::string_view rest = name.substr(disk.size());
  if (rest.front() == 'p' && rest.size() > 1) {
    rest.remove_prefix(1);
  }
  return rest.find_first_not_of("0123456789") == std::string_view::npos;
}

bool IsVirtualBlockDevice(std::string_view name) {
  for (std::string_view prefix : {"loop", "ram", "zram", "dm-", "md", "sr", "fd", "nbd"}) {
    if (name.substr(0, prefix.size()) == prefix) {
      return true;
    }
  }
  return false;
}

}  // namespace

bool ParseDiskstatsInto(std::string_view text, std::vector<IoDevice>& disks) {
  disks.clear();
  std::vector<std::string_view> names;
  bool ok = true;
  ForEachLine(text, [&](std::string_view line) {
    if (!ok || TrimSpace(line).empty()) {
      return;
    }
    std::string_view rest = line;
    const auto major = Number<uint32_t>(NextField(rest));
    const auto minor = Number<uint32_t>(NextField(rest));
    const std::string_view name = NextField(rest);
    // reads completed, reads merged, sectors read, ms reading, writes completed, writes
    // merged, sectors written (the first seven counters; later kernels add more).
    std::optional<uint64_t> v[7];
    for (auto& x : v) {
      x = Number<uint64_t>(NextField(rest));
    }
    if (!major || !minor || name.empty() || !v[0] || !v[2] || !v[4] || !v[6]) {
      ok = false;
      return;
    }
    if (IsVirtualBlockDevice(name)) {
      return;
    }
    names.push_back(name);
    disks.push_back(IoDevice{*major, *minor, *v[2] * 512, *v[6] * 512, *v[0], *v[4]});
  });
  if (!ok) {
    disks.clear();
    return false;
  }
  size_t kept = 0;
  for (size_t i = 0; i < disks.size(); ++i) {
    const bool partition = std::any_of(names.begin(), names.end(), [&](std::string_view disk) {
      return IsPartitionOf(names[i], disk);
    });
    if (!partition) {
      disks[kept++] = disks[i];
    }
  }
  disks.resize(kept);
  return true;
}

bool ParseNetDevInto(std::string_view text, std::vector<NetDevice>& devices) {
  size_t used = 0;
  bool ok = true;
  int line_no = 0;
  ForEachLine(text, [&](std::string_view line) {
    if (!ok || ++line_no <= 2 || TrimSpace(line).empty()) {
      return;  // two header lines
    }
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      ok = false;
      return;
    }
    std::string_view rest = line.substr(colon + 1);
    // 16 counters: bytes packets errs drop fifo frame compressed multicast, received then
    // transmitted. Only the first four of each direction are reported (and parsed).
    uint64_t v[16] = {};
    for (int i = 0; i < 16; ++i) {
      const std::string_view field = NextField(rest);
      std::optional<uint64_t> n;
      if ((i & 4) == 0) {
        n = Number<uint64_t>(field);
      } else if (!field.empty()) {
        n = 0;
      }
      if (!n) {
        ok = false;
        return;
      }
      v[i] = *n;
    }
    if (used == devices.size()) {
      devices.emplace_back();
    }
    NetDevice& d = devices[used++];
    d.name.assign(TrimSpace(line.substr(0, colon)));
    d.rx_bytes = v[0], d.rx_packets = v[1], d.rx_errors = v[2], d.rx_dropped = v[3];
    d.tx_bytes = v[8], d.tx_packets = v[9], d.tx_errors = v[10], d.tx_dropped = v[11];
  });
  if (!ok || line_no < 2) {
    devices.clear();
    return false;
  }
  devices.resize(used);
  return true;
}

std::optional<std::vector<NetDevice>> ParseNetDev(std::string_view text) {
  return parse::Fresh<NetDevice>(text, ParseNetDevInto);
}

std::optional<char> ParseTaskState(std::string_view stat) {
  // Every field after the name is a number or the state letter, so the last ')' ends the
  // name; the name is at most 64 bytes, so it is found near the start of a long line.
  constexpr size_t kNameEndsBefore = 96;
  const size_t close = stat.substr(0, kNameEndsBefore).rfind(')');
  if (close == std::string_view::npos || stat.find('(') > close) {
    return std::nullopt;
  }
  // "pid (comm) S ppid ...": one space, the state letter, then a space or the end.
  const std::string_view rest = stat.substr(close + 1);
  if (rest.size() < 2 || rest[0] != ' ' || rest[1] < 'A' || rest[1] > 'z' ||
      (rest.size() > 2 && rest[2] != ' ' && rest[2] != '\n')) {
    return std::nullopt;
  }
  return rest[1];
}

bool CountTaskState(char state, TaskStates& states) {
  switch (state) {
    case 'R':
      ++states.running;
      return true;
    case 'S':
      ++states.sleeping;
      return true;
    case 'D':
      ++states.uninterruptible;
      return true;
    case 'T':
    case 't':
      ++states.stopped;
      return true;
    default:
      return false;
  }
}

std::optional<std::string_view> ParseProcCgroup(std::string_view text,
                                                std::string_view controller) {
  std::optional<std::string_view> found;
  bool ok = true;
  ForEachLine(text, [&](std::string_view line) {
    if (!ok || line.empty()) {
      return;
    }
    const size_t first = line.find(':');
    const size_t second = first == std::string_view::npos ? first : line.find(':', first + 1);
    if (second == std::string_view::npos || second + 1 >= line.size() ||
        !Number<uint64_t>(line.substr(0, first)) || line[second + 1] != '/') {
      ok = false;
      return;
    }
    const std::string_view id = line.substr(0, first);
    const std::string_view controllers = line.substr(first + 1, second - first - 1);
    const bool match = controller.empty() ? id == "0" && controllers.empty()
                                          : HasController(controllers, controller);
    if (match && !found) {
      found = line.substr(second + 1);
    }
  });
  if (!ok || !found) {
    return std::nullopt;
  }
  constexpr std::string_view kDeleted = " (deleted)";
  if (found->size() >= kDeleted.size() &&
      found->substr(found->size() - kDeleted.size()) == kDeleted) {
    return std::nullopt;
  }
  return found;
}

ProcessCgroup ClassifyCgroupPath(std::string_view path) {
  ProcessCgroup out;
  if (path == "/") {
    out.root = true;
    return out;
  }
  const size_t slash = path.rfind('/');
  out.container_id = ContainerIdFromCgroupName(path.substr(slash + 1));
  return out;
}

PidView ProcfsPidView(bool is_procfs, std::optional<std::string_view> self_link, int64_t own_pid) {
  if (!is_procfs) {
    return PidView::kSame;  // a fixture tree: its pids are whatever its files say
  }
  if (!self_link) {
    return PidView::kOther;
  }
  const auto pid = Number<int64_t>(*self_link);
  return pid && *pid == own_pid ? PidView::kSame : PidView::kOther;
}

}  // namespace swarmscope::cgroup
