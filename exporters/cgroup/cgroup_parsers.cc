#include "exporters/cgroup/cgroup_parsers.h"

#include "exporters/cgroup/parse_util.h"

namespace swarmscope::cgroup {
namespace {

using parse::ForEachLine;
using parse::NextField;
using parse::Number;
using parse::TrimSpace;

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string DecodeOctal(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && s[i + 1] >= '0' && s[i + 1] <= '3' && s[i + 2] >= '0' &&
        s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
      out += static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}

bool IsHex64(std::string_view s) {
  if (s.size() != 64) {
    return false;
  }
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

bool ParseDevice(std::string_view s, uint32_t& major, uint32_t& minor) {
  const size_t colon = s.find(':');
  if (colon == std::string_view::npos) {
    return false;
  }
  auto ma = Number<uint32_t>(s.substr(0, colon));
  auto mi = Number<uint32_t>(s.substr(colon + 1));
  if (!ma || !mi) {
    return false;
  }
  major = *ma;
  minor = *mi;
  return true;
}

IoDevice& DeviceEntry(std::vector<IoDevice>& devices, uint32_t major, uint32_t minor) {
  for (auto& d : devices) {
    if (d.major == major && d.minor == minor) {
      return d;
    }
  }
  devices.push_back(IoDevice{major, minor});
  return devices.back();
}

}  // namespace

std::vector<Mount> ParseMountInfo(std::string_view text, size_t* bad_lines) {
  std::vector<Mount> mounts;
  size_t bad = 0;
  ForEachLine(text, [&](std::string_view line) {
    if (TrimSpace(line).empty()) {
      return;
    }
    // id parent maj:min root mount_point options [optional fields...] - fstype source super
    std::string_view rest = line;
    std::string_view fields[5];
    for (auto& f : fields) {
      f = NextField(rest);
    }
    const size_t sep = rest.find(" - ");
    if (fields[4].empty() || sep == std::string_view::npos) {
      ++bad;
      return;
    }
    std::string_view tail = rest.substr(sep + 3);
    const std::string_view fs_type = NextField(tail);
    NextField(tail);  // source
    const std::string_view super = NextField(tail);
    if (fs_type.empty()) {
      ++bad;
      return;
    }
    mounts.push_back(Mount{DecodeOctal(fields[3]), DecodeOctal(fields[4]), std::string(fs_type),
                           std::string(super)});
  });
  if (bad_lines != nullptr) {
    *bad_lines = bad;
  }
  return mounts;
}

std::optional<uint64_t> ParseU64(std::string_view text, std::optional<uint64_t> max_value) {
  text = TrimSpace(text);
  if (text == "max") {
    return max_value;
  }
  return Number<uint64_t>(text);
}

std::optional<int64_t> ParseI64(std::string_view text) { return Number<int64_t>(TrimSpace(text)); }

std::optional<uint64_t> FlatKey(std::string_view text, std::string_view key) {
  std::optional<uint64_t> found;
  bool done = false;
  ForEachLine(text, [&](std::string_view line) {
    if (done || line.size() <= key.size() || line.substr(0, key.size()) != key ||
        line[key.size()] != ' ') {
      return;
    }
    found = Number<uint64_t>(TrimSpace(line.substr(key.size() + 1)));
    done = true;
  });
  return found;
}

bool IsFlatKeyed(std::string_view text) {
  bool ok = !TrimSpace(text).empty();
  ForEachLine(text, [&](std::string_view line) {
    if (line.empty()) {
      return;
    }
    std::string_view rest = line;
    const std::string_view key = NextField(rest);
    const std::string_view value = NextField(rest);
    if (key.empty() || !Number<uint64_t>(value) || !TrimSpace(rest).empty()) {
      ok = false;
    }
  });
  return ok;
}

bool ParseFlatKeyed(std::string_view text, std::span<const std::string_view> keys,
                    std::span<std::optional<uint64_t>> values) {
  for (auto& v : values) {
    v.reset();
  }
  bool ok = !TrimSpace(text).empty();
  ForEachLine(text, [&](std::string_view line) {
    if (!ok || line.empty()) {
      return;
    }
    std::string_view rest = line;
    const std::string_view key = NextField(rest);
    const std::string_view value = NextField(rest);
    if (key.empty() || value.empty() || !TrimSpace(rest).empty()) {
      ok = false;
      return;
    }
    // As FlatKey(): a key starts its line and a space follows it; the first one wins.
    if (key.data() != line.data() || line.size() <= key.size() || line[key.size()] != ' ') {
      return;
    }
    for (size_t i = 0; i < keys.size() && i < values.size(); ++i) {
      if (!values[i] && keys[i] == key) {
        // Only the values asked for are numbers that matter: the others are not parsed.
        values[i] = Number<uint64_t>(value);
        ok = values[i].has_value();
        break;
      }
    }
  });
  if (!ok) {
    for (auto& v : values) {
      v.reset();
    }
  }
  return ok;
}

std::optional<CpuMax> ParseCpuMax(std::string_view text) {
  std::string_view rest = TrimSpace(text);
  const std::string_view quota = NextField(rest);
  const std::string_view period = NextField(rest);
  if (!TrimSpace(rest).empty()) {
    return std::nullopt;
  }
  CpuMax out;
  auto p = Number<uint64_t>(period);
  if (!p || *p == 0) {
    return std::nullopt;
  }
  out.period_us = *p;
  if (quota != "max") {
    out.quota_us = Number<uint64_t>(quota);
    if (!out.quota_us) {
      return std::nullopt;
    }
  }
  return out;
}

uint64_t CpuWeightToShares(uint64_t weight) {
  if (weight == 0) {
    return 0;
  }
  return 2 + ((weight - 1) * 262142) / 9999;
}

std::optional<Pressure> ParsePressure(std::string_view text) {
  Pressure p;
  bool ok = true;
  ForEachLine(text, [&](std::string_view line) {
    if (line.empty()) {
      return;
    }
    std::string_view rest = line;
    const std::string_view kind = NextField(rest);
    std::optional<uint64_t> total;
    for (std::string_view f = NextField(rest); !f.empty(); f = NextField(rest)) {
      if (f.substr(0, 6) == "total=") {
        total = Number<uint64_t>(f.substr(6));
      }
    }
    if (!total) {
      ok = false;
    } else if (kind == "some") {
      p.some_total_us = total;
    } else if (kind == "full") {
      p.full_total_us = total;
    } else {
      ok = false;
    }
  });
  if (!ok || !p.some_total_us) {
    return std::nullopt;
  }
  return p;
}

bool ParseIoStatInto(std::string_view text, std::vector<IoDevice>& devices) {
  devices.clear();
  bool ok = true;
  ForEachLine(text, [&](std::string_view line) {
    if (!ok || line.empty()) {
      return;
    }
    std::string_view rest = line;
    IoDevice d;
    if (!ParseDevice(NextField(rest), d.major, d.minor)) {
      ok = false;
      return;
    }
    for (std::string_view f = NextField(rest); !f.empty(); f = NextField(rest)) {
      const size_t eq = f.find('=');
      const auto v =
          eq == std::string_view::npos ? std::nullopt : Number<uint64_t>(f.substr(eq + 1));
      if (!v) {
        ok = false;
        return;
      }
      const std::string_view k = f.substr(0, eq);
      if (k == "rbytes") {
        d.read_bytes = *v;
      } else if (k == "wbytes") {
        d.write_bytes = *v;
      } else if (k == "rios") {
        d.reads = *v;
      } else if (k == "wios") {
        d.writes = *v;
      }
    }
    devices.push_back(d);
  });
  if (!ok) {
    devices.clear();
  }
  return ok;
}

std::optional<std::vector<IoDevice>> ParseIoStat(std::string_view text) {
  return parse::Fresh<IoDevice>(text, ParseIoStatInto);
}

bool MergeBlkio(std::string_view text, bool bytes, std::vector<IoDevice>& devices) {
  bool ok = true;
  ForEachLine(text, [&](std::string_view line) {
    if (line.empty()) {
      return;
    }
    std::string_view rest = line;
    const std::string_view first = NextField(rest);
    if (first == "Total") {
      if (!Number<uint64_t>(NextField(rest))) {
        ok = false;
      }
      return;
    }
    uint32_t major = 0;
    uint32_t minor = 0;
    const std::string_view op = NextField(rest);
    const auto v = Number<uint64_t>(NextField(rest));
    if (!ParseDevice(first, major, minor) || !v) {
      ok = false;
      return;
    }
    IoDevice& d = DeviceEntry(devices, major, minor);
    if (op == "Read") {
      (bytes ? d.read_bytes : d.reads) = *v;
    } else if (op == "Write") {
      (bytes ? d.write_bytes : d.writes) = *v;
    }
  });
  return ok;
}

bool ParseIdList(std::string_view text, std::vector<int64_t>& ids) {
  ids.clear();
  bool ok = true;
  ForEachLine(text, [&](std::string_view line) {
    if (!ok || line.empty()) {
      return;
    }
    auto id = Number<int64_t>(line);
    if (!id || *id <= 0) {
      ok = false;
      return;
    }
    ids.push_back(*id);
  });
  if (!ok) {
    ids.clear();
  }
  return ok;
}

std::string_view ContainerIdFromCgroupName(std::string_view name) {
  if (IsHex64(name)) {
    return name;
  }
  constexpr std::string_view kPrefix = "docker-";
  constexpr std::string_view kSuffix = ".scope";
  if (name.size() == kPrefix.size() + 64 + kSuffix.size() &&
      name.substr(0, kPrefix.size()) == kPrefix &&
      name.substr(name.size() - kSuffix.size()) == kSuffix) {
    const std::string_view id = name.substr(kPrefix.size(), 64);
    if (IsHex64(id)) {
      return id;
    }
  }
  return {};
}

}  // namespace swarmscope::cgroup
