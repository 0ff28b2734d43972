#include "exporters/ceph/cluster_parsers.h"

#include <charconv>
#include <stdexcept>

#include "exporters/ceph/json_util.h"

namespace swarmscope::ceph {
namespace {

using nlohmann::json;

void Expect(bool ok, const char* what) {
  if (!ok) {
    throw std::invalid_argument(what);
  }
}

const json& Array(const json& j, std::string_view key) {
  const json& a = At(j, key);
  Expect(a.is_array() || a.is_null(), "expected an array");
  return a;
}

int64_t Int(const json& j, std::string_view key) { return static_cast<int64_t>(NumberAt(j, key)); }

}  // namespace

namespace {

// The health object of `health detail` and of `status`.
Health HealthOf(const json& j) {
  Expect(j.is_object() && j.contains("status"), "health: no status");
  Health h;
  const std::string status = TextAt(j, "status");
  if (status == "HEALTH_OK") {
    h.status = 0;
  } else if (status == "HEALTH_WARN") {
    h.status = 1;
  } else if (status == "HEALTH_ERR") {
    h.status = 2;
  } else {
    throw std::invalid_argument("health: unknown status \"" + status + "\"");
  }
  const json& checks = At(j, "checks");
  if (checks.is_object()) {
    for (const auto& [name, check] : checks.items()) {
      h.checks[name] = TextAt(check, "severity");
      if (name == "SLOW_OPS") {
        // "42 slow ops, oldest one blocked for 12 sec, daemons [osd.0, osd.3] have slow ops."
        const std::string message = TextAt(At(check, "summary"), "message");
        const std::string_view first = std::string_view(message).substr(0, message.find(' '));
        int64_t n = 0;
        const auto [end, ec] = std::from_chars(first.data(), first.data() + first.size(), n);
        if (ec == std::errc() && end == first.data() + first.size() && !first.empty()) {
          h.slow_ops = static_cast<double>(n);
        }
      }
    }
  }
  return h;
}

}  // namespace

Health ParseHealth(std::string_view text) { return HealthOf(ParseJson(text)); }

Df ParseDf(std::string_view text) {
  const json j = ParseJson(text);
  const json& stats = At(j, "stats");
  Expect(stats.is_object(), "df: no stats");
  Df df;
  df.total_bytes = NumberAt(stats, "total_bytes");
  df.total_used_bytes = NumberAt(stats, "total_used_bytes");
  df.total_used_raw_bytes = NumberAt(stats, "total_used_raw_bytes");
  for (const json& p : Array(j, "pools")) {
    Df::Pool pool;
    pool.id = Int(p, "id");
    const json& s = At(p, "stats");
    for (size_t i = 0; i < kPoolDfStats.size(); ++i) {
      if (s.is_object() && s.contains(kPoolDfStats[i])) {
        pool.stats[i] = NumberAt(s, kPoolDfStats[i]);
        pool.present[i] = true;
      }
    }
    df.pools.push_back(pool);
  }
  return df;
}

std::vector<PoolRecovery> ParsePoolStats(std::string_view text) {
  const json j = ParseJson(text);
  const json& pools = j.is_object() ? At(j, "pool_stats") : j;
  Expect(pools.is_array(), "osd pool stats: not a list");
  std::vector<PoolRecovery> out;
  for (const json& p : pools) {
    PoolRecovery r;
    r.id = Int(p, "pool_id");
    const json& rate = At(p, "recovery_rate");
    for (size_t i = 0; i < kPoolRecoveryStats.size(); ++i) {
      r.rates[i] = NumberAt(rate, kPoolRecoveryStats[i]);
    }
    out.push_back(r);
  }
  return out;
}

FsMap ParseFsDump(std::string_view text) {
  const json j = ParseJson(text);
  Expect(j.is_object() && j.contains("filesystems"), "fs dump: no filesystems");
  FsMap fs;
  fs.epoch = Int(j, "epoch");
  for (const json& s : Array(j, "standbys")) {
    fs.mds.push_back({TextAt(s, "name"), "-1", TextAt(s, "addr"), TextAt(s, "rank")});
  }
  for (const json& f : Array(j, "filesystems")) {
    const json& m = At(f, "mdsmap");
    std::string pools;
    for (const json& p : Array(m, "data_pools")) {
      if (!pools.empty()) {
        pools += ',';
      }
      pools += p.is_number_integer() ? std::to_string(p.get<int64_t>()) : p.dump();
    }
    const std::string id = TextAt(f, "id");
    fs.filesystems.push_back({id, TextAt(m, "fs_name"), TextAt(m, "metadata_pool"), pools});
    const json& info = At(m, "info");
    if (info.is_object()) {
      for (const auto& [gid, d] : info.items()) {
        fs.mds.push_back({TextAt(d, "name"), id, TextAt(d, "addr"), TextAt(d, "rank")});
      }
    }
  }
  return fs;
}

MonMap ParseMonMap(std::string_view text) {
  const json j = ParseJson(text);
  // `mon dump` is the map itself; `quorum_status` holds it under "monmap".
  const json& monmap = j.is_object() && j.contains("monmap") ? j.at("monmap") : j;
  Expect(monmap.is_object() && monmap.contains("mons"), "mon map: no mons");
  std::set<int64_t> quorum;
  for (const json& r : Array(j, "quorum")) {
    if (r.is_number_integer()) {
      quorum.insert(r.get<int64_t>());
    }
  }
  MonMap map;
  map.epoch = Int(monmap, "epoch");
  for (const json& m : Array(monmap, "mons")) {
    const int64_t rank = Int(m, "rank");
    map.mons.push_back({TextAt(m, "name"), std::to_string(rank),
                        HostOfAddress(TextAt(m, "public_addr")), quorum.contains(rank)});
  }
  return map;
}

MgrMap ParseMgrDump(std::string_view text) {
  const json j = ParseJson(text);
  Expect(j.is_object() && j.contains("active_name"), "mgr dump: no active_name");
  MgrMap m;
  m.epoch = Int(j, "epoch");
  m.active = TextAt(j, "active_name");
  for (const json& s : Array(j, "standbys")) {
    m.standbys.push_back(TextAt(s, "name"));
  }
  for (const json& a : Array(j, "available_modules")) {
    m.available.push_back({TextAt(a, "name"), NumberAt(a, "can_run") != 0});
  }
  for (const json& name : Array(j, "modules")) {
    if (name.is_string()) {
      m.enabled.insert(name.get<std::string>());
    }
  }
  const json& always = At(j, "always_on_modules");
  if (always.is_object()) {
    for (const auto& [release, names] : always.items()) {
      auto& set = m.always_on[release];
      if (names.is_array()) {
        for (const json& n : names) {
          if (n.is_string()) {
            set.insert(n.get<std::string>());
          }
        }
      }
    }
  }
  return m;
}

OsdMap ParseOsdDump(std::string_view text) {
  const json j = ParseJson(text);
  Expect(j.is_object() && j.contains("osds"), "osd dump: no osds");
  OsdMap map;
  map.epoch = Int(j, "epoch");
  const std::string flags = TextAt(j, "flags");
  for (size_t start = 0; start <= flags.size();) {
    const size_t comma = std::min(flags.find(',', start), flags.size());
    if (comma > start) {
      map.flags.insert(flags.substr(start, comma - start));
    }
    start = comma + 1;
  }
  for (const json& o : Array(j, "osds")) {
    map.osds.push_back({Int(o, "osd"), NumberAt(o, "up"), NumberAt(o, "in"), NumberAt(o, "weight"),
                        HostOfAddress(TextAt(o, "public_addr")),
                        HostOfAddress(TextAt(o, "cluster_addr"))});
  }
  const json& profiles = At(j, "erasure_code_profiles");
  for (const json& p : Array(j, "pools")) {
    OsdMap::Pool pool;
    pool.id = Int(p, "pool");
    pool.name = TextAt(p, "pool_name");
    pool.type = "unknown";
    pool.description = "unknown";
    const int64_t type = Int(p, "type");
    if (type == 1) {
      pool.type = "replicated";
      pool.description = "replica:" + TextAt(p, "size");
    } else if (type == 3) {
      pool.type = "erasure";
      const json& profile = At(profiles, TextAt(p, "erasure_code_profile"));
      pool.description = profile.is_object() && !profile.empty()
                             ? "ec:" + TextAt(profile, "k") + "+" + TextAt(profile, "m")
                             : "ec:unknown";
    }
    pool.compression_mode = TextAt(At(p, "options"), "compression_mode", "none");
    map.pools.push_back(std::move(pool));
  }
  return map;
}

CrushClasses ParseCrushDump(std::string_view text) {
  const json j = ParseJson(text);
  Expect(j.is_object() && j.contains("devices"), "osd crush dump: no devices");
  CrushClasses classes;
  for (const json& d : Array(j, "devices")) {
    classes[Int(d, "id")] = TextAt(d, "class");
  }
  return classes;
}

std::vector<OsdPerf> ParseOsdPerf(std::string_view text) {
  const json j = ParseJson(text);
  // Pacific wraps the list in "osdstats"; older releases did not.
  const json& root = j.is_object() && j.contains("osdstats") ? j.at("osdstats") : j;
  const json& infos = At(root, "osd_perf_infos");
  Expect(infos.is_array(), "osd perf: no osd_perf_infos");
  std::vector<OsdPerf> out;
  for (const json& i : infos) {
    const json& s = At(i, "perf_stats");
    out.push_back(
        {Int(i, "id"), NumberAt(s, "apply_latency_ms"), NumberAt(s, "commit_latency_ms")});
  }
  return out;
}

Status ParseStatus(std::string_view text) {
  const json j = ParseJson(text);
  const json& pgmap = At(j, "pgmap");
  Expect(pgmap.is_object(), "status: no pgmap");
  Status s;
  s.health = HealthOf(At(j, "health"));
  // Each key appears only when non-zero.
  s.objects = {NumberAt(pgmap, "degraded_objects"), NumberAt(pgmap, "misplaced_objects"),
               NumberAt(pgmap, "unfound_objects")};
  for (const json& r : Array(j, "quorum")) {
    if (r.is_number_integer()) {
      s.quorum.insert(r.get<int64_t>());
    }
  }
  s.osdmap_epoch = static_cast<int64_t>(NumberAt(At(j, "osdmap"), "epoch", -1));
  s.fsmap_epoch = static_cast<int64_t>(NumberAt(At(j, "fsmap"), "epoch", -1));
  s.monmap_epoch = static_cast<int64_t>(NumberAt(At(j, "monmap"), "epoch", -1));
  s.mgrmap_summary = At(j, "mgrmap").dump();
  return s;
}

DaemonInfos ParseMetadata(std::string_view text) {
  static const std::set<std::string, std::less<>> kKeep = {"id",
                                                           "name",
                                                           "hostname",
                                                           "ceph_version",
                                                           "ceph_release",
                                                           "osd_objectstore",
                                                           "front_iface",
                                                           "back_iface",
                                                           "bluestore_bdev_dev_node",
                                                           "backend_filestore_dev_node",
                                                           "bluefs_db_dev_node",
                                                           "bluefs_wal_dev_node",
                                                           "osd_journal",
                                                           "devices",
                                                           "device_ids"};
  // Keep only the members used: `osd metadata` is kilobytes per OSD.
  const json j = ParseJson(text, [](int depth, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::key && depth == 2) {
      return kKeep.contains(parsed.get_ref<const std::string&>());
    }
    return true;
  });
  Expect(j.is_array(), "metadata: not a list");
  DaemonInfos out;
  for (const json& d : j) {
    std::string id = d.contains("id") ? TextAt(d, "id") : TextAt(d, "name");
    DaemonInfo info;
    info.hostname = TextAt(d, "hostname");
    info.ceph_version = TextAt(d, "ceph_version");
    info.ceph_release = TextAt(d, "ceph_release");
    info.objectstore = TextAt(d, "osd_objectstore");
    info.front_iface = TextAt(d, "front_iface");
    info.back_iface = TextAt(d, "back_iface");
    if (info.objectstore == "filestore") {
      info.dev_node = TextAt(d, "backend_filestore_dev_node");
      info.wal_dev_node = TextAt(d, "osd_journal");
    } else if (info.objectstore == "bluestore") {
      info.dev_node = TextAt(d, "bluestore_bdev_dev_node");
      info.wal_dev_node = TextAt(d, "bluefs_wal_dev_node");
      info.db_dev_node = TextAt(d, "bluefs_db_dev_node");
    }
    if (info.dev_node == "unknown") {
      info.dev_node.clear();
    }
    info.devices = TextAt(d, "devices");
    info.device_ids = TextAt(d, "device_ids");
    out[std::move(id)] = std::move(info);
  }
  return out;
}

HealthHistory ParseHealthHistory(std::string_view text) {
  const json j = ParseJson(text);
  Expect(j.is_object(), "health history: not an object");
  HealthHistory out;
  for (const auto& [name, event] : j.items()) {
    out[name] = TextAt(event, "severity");
  }
  return out;
}

}  // namespace swarmscope::ceph
