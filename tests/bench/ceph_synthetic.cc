#include "tests/bench/ceph_synthetic.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <random>
#include <utility>
#include <vector>

#include "tests/unit/exporters/ceph/fixtures.h"

namespace swarmscope::bench {
namespace {

using Json = nlohmann::ordered_json;  // Ceph's member order
using SortedJson = nlohmann::json;    // daemon metadata: a std::map in Ceph, sorted by key

constexpr int64_t kOsdEpoch = 48213;
constexpr int64_t kHddBytes = 8001561821184;
constexpr int64_t kSsdBytes = 1920378863616;
constexpr int64_t kObjectBytes = 4194304;
constexpr double kUsed = 0.41;  // of the raw capacity

int64_t Part(int64_t bytes, double ratio) {
  return static_cast<int64_t>(static_cast<double>(bytes) * ratio);
}

// Set(j, "key", value, "key", value, ...): members changed in place, or added at the end.
template <typename J>
void Set(J&) {}
template <typename J, typename V, typename... Rest>
void Set(J& j, const char* key, V&& value, Rest&&... rest) {
  j[key] = std::forward<V>(value);
  Set(j, std::forward<Rest>(rest)...);
}

struct Pool {
  int id;
  std::string name;
  bool ec;  // erasure-coded 4+2, else 3 replicas
  int pg_num;
  int64_t objects;
  int Size() const { return ec ? 6 : 3; }
  double RawPerStored() const { return ec ? 1.5 : 3.0; }
};

// An address in the forms Pacific prints: an addrvec and ip:port/nonce of its v1 port (osd
// dump), [v2:ip:port/nonce,v1:ip:port/nonce] (osd metadata). The v1 port is the next one.
struct Addr {
  std::string ip;
  int port;
  int nonce;
  std::string At(int v1) const { return ip + ":" + std::to_string(port + v1); }
  std::string Legacy() const { return At(1) + "/" + std::to_string(nonce); }
  std::string Bracketed() const {
    return "[v2:" + At(0) + "/" + std::to_string(nonce) + ",v1:" + Legacy() + "]";
  }
  Json Vec() const {
    Json v = Json::array();
    for (const int v1 : {0, 1}) {
      v.push_back({{"type", v1 == 1 ? "v1" : "v2"}, {"addr", At(v1)}, {"nonce", nonce}});
    }
    return Json{{"addrvec", v}};
  }
};

class Generator {
 public:
  explicit Generator(const CephShape& s) : s_(s) {
    for (int i = 0; i < s_.osds; ++i) {
      ssds_ += Ssd(i) ? 1 : 0;
      down_ += Down(i) ? 1 : 0;
      out_ += Out(i) ? 1 : 0;
    }
    raw_bytes_ = kSsdBytes * ssds_ + kHddBytes * (s_.osds - ssds_);
    PlanPools();
  }

  CephOutputs Make() {
    CephOutputs out;
    auto& by = out.by_command;
    by["pg_dump"] = Print(PgDump(out.pg_states));  // first: status counts its states
    by["status"] = Print(Status(out.pg_states));
    by["osd_dump"] = Print(OsdDump());
    by["metadata_osd"] = Print(OsdMetadata());
    by["osd_perf"] = Print(OsdPerf());
    by["osd_crush_dump"] = Print(CrushDump());
    by["df"] = Print(DfDetail());
    by["osd_pool_stats"] = Print(PoolStats());
    for (const std::string f : {"mon_dump", "fs_dump", "mgr_dump", "mon_metadata", "mds_metadata",
                                "mgr_metadata"}) {  // as captured (their epochs are status')
      by[f.ends_with("metadata") ? "metadata_" + f.substr(0, 3) : f] = Read(f + ".json");
    }
    return out;
  }

 private:
  static std::string Read(const std::string& name) { return ceph::testing::ReadFixture(name); }
  static Json Fixture(const std::string& name) { return Json::parse(Read(name)); }
  // The CLI prints compact JSON after a newline (the fixtures are its stdout byte for byte).
  static std::string Print(const auto& j) { return "\n" + j.dump(); }

  int HostOf(int osd) const { return osd / s_.osds_per_host; }
  bool Ssd(int osd) const { return osd % s_.osds_per_host >= s_.osds_per_host - 4; }
  bool Down(int osd) const { return osd % (s_.osds / s_.down) == 7; }
  bool Out(int osd) const { return Down(osd) && osd / (s_.osds / s_.down) % 2 == 0; }
  static std::string Host(int h) {
    return (h < 9 ? "ceph-node-0" : "ceph-node-") + std::to_string(h + 1);
  }
  // On network `net` (public, cluster, heartbeat back, heartbeat front).
  Addr AddrOf(int osd, int net) const {
    const int h = HostOf(osd);
    constexpr int kPort[] = {0, 2, 6, 4};
    return {std::string(net == 1 || net == 2 ? "10.20." : "10.10.") + std::to_string(h / 250) +
                "." + std::to_string(h % 250 + 1),
            6800 + 8 * (osd % s_.osds_per_host) + kPort[net], 3000 + 7 * osd};
  }

  // Named as on a cluster with RBD, CephFS and RGW. Half the pools small (32 PGs), the rest
  // share the other PGs; the RGW data pool and every tenth big one erasure-coded.
  void PlanPools() {
    std::vector<std::string> names({"device_health_metrics", "cephfs_metadata", ".rgw.root",
                                    "default.rgw.control", "default.rgw.meta", "default.rgw.log",
                                    "default.rgw.buckets.index", "default.rgw.buckets.non-ec"});
    for (int i = static_cast<int>(names.size()); i < s_.pools - 2; ++i) {
      names.push_back("volumes-" + std::to_string(1000 + i).substr(1));
    }
    names.resize(static_cast<size_t>(s_.pools - 2));
    names.insert(names.end(), {"cephfs_data", "default.rgw.buckets.data"});
    const int small = s_.pools / 2;
    const int small_pgs = std::min(32, s_.pgs / s_.pools);
    const int left = s_.pgs - small * small_pgs;
    const int big = s_.pools - small;
    std::uniform_int_distribution<int64_t> objects(1000, 4000000);
    for (int i = 0; i < s_.pools; ++i) {
      const int k = i - small;
      const int pg_num = k < 0 ? small_pgs : left / big + (k < left % big ? 1 : 0);
      const std::string& name = names[static_cast<size_t>(i)];
      const bool ec = name == "default.rgw.buckets.data" || (k >= 0 && i % 10 == 3);
      pools_.push_back({i + 1, name, ec, pg_num, objects(rng_) / (pg_num > 100 ? 1 : 1000)});
      objects_ += pools_.back().objects;
    }
  }

  // `pg dump pgs_brief pools`: {"pg_ready", "pool_stats", "pg_stats"}, the entries of
  // `pg dump pools` and `pg dump pgs_brief` in their fixtures' shape.
  Json PgDump(std::map<std::string, int>& states) {
    const Json pool0 = Fixture("pg_dump_pools.json")["pool_stats"][0];
    const Json pg0 = Fixture("pg_dump_pgs_brief.json")["pg_stats"][0];
    Json d = {{"pg_ready", true}, {"pool_stats", Json::array()}, {"pg_stats", Json::array()}};
    for (auto p = pools_.rbegin(); p != pools_.rend(); ++p) {  // Pacific's order
      const int64_t n = p->objects;
      Json j = pool0;
      Set(j, "poolid", p->id, "num_pg", p->pg_num, "log_size", p->pg_num * 3000, "ondisk_log_size",
          p->pg_num * 3000, "up", p->pg_num * p->Size(), "acting", p->pg_num * p->Size());
      Set(j["stat_sum"], "num_bytes", n * kObjectBytes, "num_objects", n, "num_object_copies",
          n * p->Size(), "num_objects_dirty", n, "num_objects_repaired", p->id % 17 == 0 ? 3 : 0);
      d["pool_stats"].push_back(std::move(j));
    }
    std::uniform_int_distribution<int> osd(0, s_.osds - 1);
    for (const Pool& p : pools_) {
      for (int seed = 0; seed < p.pg_num; ++seed) {
        const std::string& state = states_[static_cast<size_t>(state_odds_(rng_))];
        ++states[state];
        std::vector<int> up;
        while (static_cast<int>(up.size()) < p.Size()) {
          if (const int o = osd(rng_); std::find(up.begin(), up.end(), o) == up.end()) {
            up.push_back(o);
          }
        }
        Json acting = up;
        if (state.find("undersized") != std::string::npos) {  // a shard or replica missing
          acting.erase(acting.size() - 1);
          if (p.ec) {
            acting.push_back(2147483647);
          }
        } else if (state.find("remapped") != std::string::npos) {
          acting[0] = osd(rng_);
        }
        char pgid[24];
        std::snprintf(pgid, sizeof(pgid), "%d.%x", p.id, seed);
        Json pg = pg0;
        Set(pg, "pgid", std::string(pgid), "state", state, "up", up, "acting", acting, "up_primary",
            up[0], "acting_primary", acting[0]);
        d["pg_stats"].push_back(std::move(pg));
      }
    }
    return d;
  }

  Json Status(const std::map<std::string, int>& states) const {
    Json d = Fixture("status_osd_down.json");  // HEALTH_WARN: OSD_DOWN
    Json& pm = d["pgmap"];
    pm["pgs_by_state"] = Json::array();
    int degraded = 0;
    int remapped = 0;
    for (const auto& [state, n] : states) {
      degraded += state.find("degraded") != std::string::npos ? n : 0;
      remapped += state.find("remapped") != std::string::npos ? n : 0;
      pm["pgs_by_state"].push_back({{"state_name", state}, {"count", n}});
    }
    Json& checks = d["health"]["checks"];
    checks["PG_DEGRADED"] = checks["OSD_DOWN"];
    Set(checks["OSD_DOWN"]["summary"], "message", std::to_string(down_) + " osds down", "count",
        down_);
    Set(checks["PG_DEGRADED"]["summary"], "message",
        "Degraded data redundancy: 12345/1234567890 objects degraded (0.001%), " +
            std::to_string(degraded) + " pgs degraded",
        "count", degraded);
    Set(d["osdmap"], "epoch", kOsdEpoch, "num_osds", s_.osds, "num_up_osds", s_.osds - down_,
        "num_in_osds", s_.osds - out_, "num_remapped_pgs", remapped);
    Set(pm, "num_pgs", s_.pgs, "num_pools", s_.pools, "num_objects", objects_, "data_bytes",
        objects_ * kObjectBytes, "bytes_used", Part(raw_bytes_, kUsed), "bytes_avail",
        Part(raw_bytes_, 1 - kUsed), "bytes_total", raw_bytes_);
    pm.update(Json::parse(R"({"degraded_objects": 12345, "degraded_total": 1234567890,
        "degraded_ratio": 0.00001, "misplaced_objects": 67890, "misplaced_total": 1234567890,
        "misplaced_ratio": 0.000055, "recovering_objects_per_sec": 37,
        "recovering_bytes_per_sec": 155189248, "read_bytes_sec": 2147483648,
        "write_bytes_sec": 1073741824, "read_op_per_sec": 52000, "write_op_per_sec": 17000})"));
    return d;
  }

  Json OsdDump() const {
    Json d = Fixture("osd_dump.json");
    const Json osd0 = d["osds"][0];
    const Json xinfo0 = d["osd_xinfo"][0];
    const Json pool0 = d["pools"][0];
    Set(d, "epoch", kOsdEpoch, "crush_version", 1843, "max_osd", s_.osds, "pool_max", s_.pools,
        "pools", Json::array(), "osds", Json::array(), "osd_xinfo", Json::array());
    d["erasure_code_profiles"]["ec42"] = Json::parse(R"({"crush-device-class": "hdd",
        "crush-failure-domain": "host", "crush-root": "default",
        "jerasure-per-chunk-alignment": "false", "k": "4", "m": "2", "plugin": "jerasure",
        "technique": "reed_sol_van", "w": "8"})");
    for (const Pool& p : pools_) {
      Json j = pool0;
      Set(j, "pool", p.id, "pool_name", p.name, "type", p.ec ? 3 : 1, "size", p.Size(), "min_size",
          p.ec ? 5 : 2, "crush_rule", p.ec ? 1 : 0, "pg_num", p.pg_num, "pg_placement_num",
          p.pg_num, "pg_placement_num_target", p.pg_num, "pg_num_target", p.pg_num,
          "pg_num_pending", p.pg_num, "last_change", std::to_string(kOsdEpoch - 1000 + p.id),
          "erasure_code_profile", p.ec ? "ec42" : "", "stripe_width", p.ec ? 16384 : 0, "options",
          Json::object());
      if (p.ec) {
        Set(j, "flags", 5, "flags_names", "hashpspool,ec_overwrites");
      }
      if (p.id % 7 == 0) {
        Set(j["options"], "compression_algorithm", "zstd", "compression_mode", "aggressive");
      }
      if (p.id > 1) {  // device_health_metrics: the fixture's mgr_devicehealth
        const bool rbd = p.name.starts_with("volumes");
        const char* app = rbd ? "rbd" : p.name.starts_with("cephfs") ? "cephfs" : "rgw";
        j["application_metadata"] = Json{{app, Json::object()}};
      }
      d["pools"].push_back(std::move(j));
    }
    for (int i = 0; i < s_.osds; ++i) {
      Json o = osd0;
      char uuid[40];
      std::snprintf(uuid, sizeof(uuid), "5f1197f7-0656-4f51-bab6-%012x", 0x67000000 + i);
      Set(o, "osd", i, "uuid", std::string(uuid), "up", Down(i) ? 0 : 1, "in", Out(i) ? 0 : 1,
          "weight", Out(i) ? 0 : 1, "last_clean_begin", 40000, "last_clean_end", 40990, "up_from",
          41000 + i, "up_thru", kOsdEpoch - 20, "down_at", Down(i) ? kOsdEpoch - 5 : 40990);
      const char* nets[] = {"public", "cluster", "heartbeat_back", "heartbeat_front"};
      for (int net = 0; net < 4; ++net) {
        o[std::string(nets[net]) + "_addrs"] = AddrOf(i, net).Vec();
        o[std::string(nets[net]) + "_addr"] = AddrOf(i, net).Legacy();
      }
      o["state"] = Down(i) ? Json::array({"exists"}) : Json::array({"exists", "up"});
      d["osds"].push_back(std::move(o));
      d["osd_xinfo"].push_back(xinfo0);
      d["osd_xinfo"].back()["osd"] = i;
    }
    return d;
  }

  // A bluestore OSD on a whole disk, deployed by cephadm (the fixture's are memstore).
  SortedJson OsdMetadata() const {
    SortedJson t = SortedJson::parse(Read("osd_metadata.json"))[0];
    t.erase("network_numa_unknown_ifaces");
    t.update(SortedJson::parse(R"({"back_iface": "bond1", "front_iface": "bond0",
        "bluefs": "1", "bluefs_dedicated_db": "0", "bluefs_dedicated_wal": "0",
        "bluefs_single_shared_device": "1", "bluestore_bdev_access_mode": "blk",
        "bluestore_bdev_block_size": "4096", "bluestore_bdev_driver": "KernelDevice",
        "container_image": "quay.io/ceph/ceph:v16.2.15", "mem_total_kb": "263855616",
        "cpu": "Intel(R) Xeon(R) Silver 4214R CPU @ 2.40GHz", "network_numa_node": "0",
        "network_numa_nodes": "0", "objectstore_numa_node": "0", "objectstore_numa_nodes": "0",
        "osd_objectstore": "bluestore", "osdspec_affinity": "default_drive_group"})"));
    SortedJson out = SortedJson::array();
    for (int i = 0; i < s_.osds; ++i) {
      const bool ssd = Ssd(i);
      const int k = i % s_.osds_per_host;
      const std::string dev = std::string("sd") + static_cast<char>('b' + k % 24);
      const std::string dm = "/dev/dm-" + std::to_string(k);
      const char* rotational = ssd ? "0" : "1";
      const std::string serial = ssd ? "SAMSUNG_MZ7LH1T9HMLT_S455NY0M" : "SEAGATE_ST8000NM0055_ZA1";
      SortedJson m = t;
      const char* keys[] = {"front_addr", "back_addr", "hb_back_addr", "hb_front_addr"};
      for (int net = 0; net < 4; ++net) {
        m[keys[net]] = AddrOf(i, net).Bracketed();
      }
      Set(m, "id", i, "hostname", Host(HostOf(i)), "container_hostname", Host(HostOf(i)),
          "container_name", "ceph-osd-" + std::to_string(i), "created_at",
          "2025-03-1" + std::to_string(i % 10) + "T09:12:44.304803Z", "bluestore_bdev_dev_node", dm,
          "bluestore_bdev_partition_path", dm, "bluestore_bdev_devices", dev, "devices", dev,
          "device_ids", dev + "=" + serial + std::to_string(100000 + i), "device_paths",
          dev + "=/dev/disk/by-path/pci-0000:3b:00.0-sas-phy" + std::to_string(k) + "-lun-0",
          "bluestore_bdev_rotational", rotational, "journal_rotational", rotational, "rotational",
          rotational, "bluestore_bdev_support_discard", ssd ? "1" : "0", "bluestore_bdev_size",
          std::to_string(ssd ? kSsdBytes : kHddBytes), "bluestore_bdev_type", ssd ? "ssd" : "hdd",
          "default_device_class", ssd ? "ssd" : "hdd", "osd_data",
          "/var/lib/ceph/osd/ceph-" + std::to_string(i));
      out.push_back(std::move(m));
    }
    return out;
  }

  Json OsdPerf() {
    std::uniform_int_distribution<int> ms(0, 40);
    Json infos = Json::array();
    for (int i = s_.osds - 1; i >= 0; --i) {  // Pacific lists them from the highest id
      const int64_t v = Down(i) ? 0 : ms(rng_);
      Json perf;
      Set(perf, "commit_latency_ms", v, "apply_latency_ms", v, "commit_latency_ns", v * 1000000,
          "apply_latency_ns", v * 1000000);
      infos.push_back({{"id", i}, {"perf_stats", perf}});
    }
    return Json{{"pg_ready", true}, {"osdstats", {{"osd_perf_infos", infos}}}};
  }

  // Roots default, default~hdd, default~ssd (ids -1..-3), then each host and its two shadow
  // buckets (-4-3h..-6-3h): the buckets in id order, as Pacific prints them.
  Json CrushDump() const {
    Json d = Fixture("osd_crush_dump.json");
    Set(d, "devices", Json::array(), "buckets", Json::array());
    const auto bucket = [](int id, const std::string& name, int type, int64_t w, Json items) {
      Json b;
      Set(b, "id", id, "name", name, "type_id", type, "type_name", type == 1 ? "host" : "root",
          "weight", w, "alg", "straw2", "hash", "rjenkins1", "items", std::move(items));
      return b;
    };
    const std::string kClasses[] = {"", "~hdd", "~ssd"};
    Json hosts = Json::array();
    for (int c = 0; c < 3; ++c) {
      Json roots = Json::array();
      int64_t total = 0;
      for (int h = 0; h * s_.osds_per_host < s_.osds; ++h) {
        Json items = Json::array();
        int64_t weight = 0;  // 16.16 fixed point: 7.27 and 1.75 TiB
        for (int i = h * s_.osds_per_host; i < std::min(s_.osds, (h + 1) * s_.osds_per_host); ++i) {
          if (c == 0 || (c == 2) == Ssd(i)) {
            weight += Ssd(i) ? 114688 : 476672;
            items.push_back(
                {{"id", i}, {"weight", Ssd(i) ? 114688 : 476672}, {"pos", items.size()}});
          }
        }
        hosts.push_back(bucket(-4 - 3 * h - c, Host(h) + kClasses[c], 1, weight, items));
        roots.push_back({{"id", -4 - 3 * h - c}, {"weight", weight}, {"pos", h}});
        total += weight;
      }
      d["buckets"].push_back(bucket(-1 - c, "default" + kClasses[c], 11, total, roots));
    }
    std::sort(hosts.begin(), hosts.end(),
              [](const Json& a, const Json& b) { return a["id"] > b["id"]; });
    d["buckets"].insert(d["buckets"].end(), hosts.begin(), hosts.end());
    for (int i = 0; i < s_.osds; ++i) {
      const char* cls = Ssd(i) ? "ssd" : "hdd";
      d["devices"].push_back({{"id", i}, {"name", "osd." + std::to_string(i)}, {"class", cls}});
    }
    Json& rule = d["rules"][0];  // replicated_rule, across hosts here
    Set(rule["steps"][1], "op", "chooseleaf_firstn", "type", "host");
    Json ec = rule;
    Set(ec, "rule_id", 1, "rule_name", "ec42", "ruleset", 1, "type", 3, "min_size", 3, "max_size",
        6);
    Set(ec["steps"][0], "item", -2, "item_name", "default~hdd");
    ec["steps"][1]["op"] = "chooseleaf_indep";
    d["rules"].push_back(std::move(ec));
    return d;
  }

  Json DfDetail() const {
    Json d = Fixture("df_detail.json");
    const Json pool0 = d["pools"][0];
    const int64_t avail = Part(raw_bytes_, 1 - kUsed);
    const auto usage = [](int64_t bytes) {
      Json u;
      Set(u, "total_bytes", bytes, "total_avail_bytes", Part(bytes, 1 - kUsed), "total_used_bytes",
          Part(bytes, kUsed), "total_used_raw_bytes", Part(bytes, kUsed), "total_used_raw_ratio",
          kUsed);
      return u;
    };
    d["stats"].update(usage(raw_bytes_));
    Set(d["stats"], "num_osds", s_.osds, "num_per_pool_osds", s_.osds, "num_per_pool_omap_osds",
        s_.osds);
    Set(d["stats_by_class"], "hdd", usage(kHddBytes * (s_.osds - ssds_)), "ssd",
        usage(kSsdBytes * ssds_));
    d["pools"] = Json::array();
    for (const Pool& p : pools_) {
      const int64_t n = p.objects;
      const int64_t stored = n * kObjectBytes;
      const int64_t raw = Part(stored, p.RawPerStored());
      const bool quota = p.id % 11 == 0;
      Json j = pool0;
      Set(j, "name", p.name, "id", p.id);
      Set(j["stats"], "stored", stored, "stored_data", stored, "stored_omap",
          p.name.ends_with("index") ? 123456789 : 0, "objects", n, "kb_used", raw / 1024,
          "bytes_used", raw, "data_bytes_used", raw, "percent_used",
          static_cast<double>(raw) / static_cast<double>(avail + raw), "max_avail",
          Part(avail, 1 / p.RawPerStored()), "quota_objects", quota ? 10000000 : 0, "quota_bytes",
          quota ? 107374182400000 : 0, "rd", n * 31, "rd_bytes", n * 1200 * 1024, "wr", n * 17,
          "wr_bytes", n * 4096 * 1024, "stored_raw", raw, "avail_raw", avail);
      d["pools"].push_back(std::move(j));
    }
    return d;
  }

  Json PoolStats() const {
    Json out = Json::array();
    for (const Pool& p : pools_) {
      Json j;
      Set(j, "pool_name", p.name, "pool_id", p.id, "recovery", Json::object(), "recovery_rate",
          Json::object(), "client_io_rate", Json::object());
      if (p.pg_num > 100 && p.id % 3 == 0) {  // recovering pools print their rates
        j.update(Json::parse(R"({"recovery": {"degraded_objects": 1234, "degraded_total": 9000000,
            "degraded_ratio": 0.000137}, "recovery_rate": {"recovering_objects_per_sec": 37,
            "recovering_bytes_per_sec": 155189248, "recovering_keys_per_sec": 0,
            "num_objects_recovered": 112, "num_bytes_recovered": 469762048,
            "num_keys_recovered": 0}})"));
      }
      if (p.pg_num > 100) {  // and the busy ones their client I/O
        j["client_io_rate"] = Json::parse(R"({"read_bytes_sec": 52428800,
            "write_bytes_sec": 20971520, "read_op_per_sec": 1200, "write_op_per_sec": 340})");
      }
      out.push_back(std::move(j));
    }
    return out;
  }

  // A healthy-but-busy cluster: mostly active+clean, some scrubbing, a few PGs degraded (the
  // down OSDs), backfilling (a rebalance), peering; with these odds in 10000.
  const std::vector<std::string> states_ = std::vector<std::string>(
      {"active+clean", "active+clean+scrubbing", "active+clean+scrubbing+deep",
       "active+undersized+degraded", "active+remapped+backfill_wait", "active+remapped+backfilling",
       "active+recovery_wait+degraded", "active+clean+snaptrim_wait", "peering",
       "active+clean+laggy"});
  std::discrete_distribution<int> state_odds_{9700, 100, 80, 40, 30, 10, 20, 10, 5, 5};

  CephShape s_;
  int ssds_ = 0;
  int down_ = 0;
  int out_ = 0;
  int64_t raw_bytes_ = 0;
  int64_t objects_ = 0;
  std::vector<Pool> pools_;
  std::mt19937 rng_{42};
};

}  // namespace

CephOutputs MakeCephOutputs(const CephShape& shape) { return Generator(shape).Make(); }

}  // namespace swarmscope::bench
