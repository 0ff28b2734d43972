// The ceph exporter's cluster refresh at scale, without a big cluster: synthetic command
// outputs for 1000 OSDs, 100 pools and 100k PGs (made from the captured Pacific outputs in
// tests/fixtures/ceph/pacific, entry by entry, as Pacific prints them), answered through a
// `Cluster` fake, refreshed with ClusterRefresh::RefreshOnce as the daemon does:
//   - first refresh: a fresh ClusterRefresh, so every round (the maps and the daemon
//     metadata included) is sent, parsed and rendered;
//   - steady state: the same ClusterRefresh again, the epochs unchanged, so only the
//     commands of every refresh are sent (status, df, osd perf, osd pool stats, pg dump),
//     the maps and metadata kept from before.
// For each: the process CPU time (the refresh's work runs on its command pool's threads,
// so the whole process is timed; nothing else runs), the wall time, the peak heap and the
// size of the rendering. Then where the time goes: each command's parse alone and the
// rendering alone, on the same outputs, and floors for the big outputs (nlohmann's parser
// building nothing, Boost.JSON's parsers, a bare scan of pg dump's states). The CPU bar is
// taken on the worse of the two refreshes (the full one runs at start, every metadata
// interval and at every osdmap change).
//
// Peak heap: this program replaces the global operator new/delete and counts the live
// bytes (malloc_usable_size) and their peak. The fake's store of the cluster's outputs is
// malloc'd, so it is never counted (it stands for the cluster). Before each measured
// refresh the fake copies the replies of the commands that refresh will send (operator new),
// then the peak is reset to the live bytes: so the peak counts the replies as librados
// would have handed them over (all at once, conservatively: a real round-two reply arrives
// after the round-one replies are gone), the state the refresh keeps from before, and all
// it allocates on top.
//
//   build/tests/bench/ceph_scale_bench [--iterations=N] [--osds=1000] [--pools=100]
//                                      [--pgs=100000]

#include <malloc.h>
#include <time.h>

// Boost.JSON, header-only in this one file: the streaming parser of one floor below.
#include <algorithm>
#include <atomic>
#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/src.hpp>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "collector/log.h"
#include "collector/metric_writer.h"
#include "collector/node_role.h"
#include "exporters/ceph/cluster_metrics.h"
#include "exporters/ceph/cluster_refresh.h"

// ---- heap accounting: every operator new/delete of the process ----

namespace {

std::atomic<int64_t> g_live{0};
std::atomic<int64_t> g_peak{0};
std::atomic<int64_t> g_allocations{0};

void* Counted(void* p) {
  if (p != nullptr) {
    const auto n = static_cast<int64_t>(malloc_usable_size(p));
    const int64_t now = g_live.fetch_add(n, std::memory_order_relaxed) + n;
    int64_t peak = g_peak.load(std::memory_order_relaxed);
    while (now > peak && !g_peak.compare_exchange_weak(peak, now, std::memory_order_relaxed)) {
    }
    g_allocations.fetch_add(1, std::memory_order_relaxed);
  }
  return p;
}

void Uncounted(void* p) {
  if (p != nullptr) {
    g_live.fetch_sub(static_cast<int64_t>(malloc_usable_size(p)), std::memory_order_relaxed);
    std::free(p);
  }
}

void* Allocate(std::size_t n) { return Counted(std::malloc(n == 0 ? 1 : n)); }

void* AllocateAligned(std::size_t n, std::align_val_t a) {
  const auto align = std::max(static_cast<std::size_t>(a), sizeof(void*));
  void* p = nullptr;
  if (posix_memalign(&p, align, n == 0 ? 1 : n) != 0) {
    return nullptr;
  }
  return Counted(p);
}

void* OrThrow(void* p) {
  if (p == nullptr) {
    throw std::bad_alloc();
  }
  return p;
}

}  // namespace

void* operator new(std::size_t n) { return OrThrow(Allocate(n)); }
void* operator new[](std::size_t n) { return OrThrow(Allocate(n)); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return Allocate(n); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return Allocate(n); }
void* operator new(std::size_t n, std::align_val_t a) { return OrThrow(AllocateAligned(n, a)); }
void* operator new[](std::size_t n, std::align_val_t a) { return OrThrow(AllocateAligned(n, a)); }
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return AllocateAligned(n, a);
}
void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return AllocateAligned(n, a);
}
void operator delete(void* p) noexcept { Uncounted(p); }
void operator delete[](void* p) noexcept { Uncounted(p); }
void operator delete(void* p, std::size_t) noexcept { Uncounted(p); }
void operator delete[](void* p, std::size_t) noexcept { Uncounted(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { Uncounted(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { Uncounted(p); }
void operator delete(void* p, std::align_val_t) noexcept { Uncounted(p); }
void operator delete[](void* p, std::align_val_t) noexcept { Uncounted(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { Uncounted(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { Uncounted(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { Uncounted(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { Uncounted(p); }

namespace {

using swarmscope::ceph::ClusterCommands;
using swarmscope::ceph::ClusterRefresh;
using swarmscope::ceph::CommandResult;
using swarmscope::ceph::CommandSpec;
using swarmscope::ceph::Target;
using swarmscope::ceph::When;
using Json = nlohmann::ordered_json;  // Ceph's member order

constexpr double kBarCpuMs = 100;
constexpr double kBarPeakMib = 32;
constexpr double kMib = 1024.0 * 1024.0;

// ---- synthetic outputs ----

std::string ReadFixture(const std::string& name) {
  const std::string path =
      std::string(SWARMSCOPE_SOURCE_DIR) + "/tests/fixtures/ceph/pacific/" + name;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw std::runtime_error("missing fixture " + path);
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Json Fixture(const std::string& name) { return Json::parse(ReadFixture(name)); }

// The CLI prints compact JSON after a newline (the fixtures are its stdout byte for byte).
std::string Print(const Json& j) { return "\n" + j.dump(); }

struct Shape {
  int osds = 1000;
  int pools = 100;
  int pgs = 100000;
  int osds_per_host = 20;
  int down = 4;  // OSDs down (2 of them out too): a cluster this size rarely has none
};

struct PoolPlan {
  int id;
  std::string name;
  bool erasure;
  int pg_num;
};

std::vector<PoolPlan> PlanPools(const Shape& s) {
  // Named as on a cluster with RBD, CephFS and RGW; most PGs in the data pools.
  std::vector<std::string> names = {
      "device_health_metrics",     "cephfs_metadata",           ".rgw.root",
      "default.rgw.control",       "default.rgw.meta",          "default.rgw.log",
      "default.rgw.buckets.index", "default.rgw.buckets.non-ec"};
  while (static_cast<int>(names.size()) < s.pools) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "volumes-%03zu", names.size());
    names.emplace_back(buf);
  }
  names.resize(static_cast<size_t>(s.pools));
  names[names.size() - 2] = "cephfs_data";
  names[names.size() - 1] = "default.rgw.buckets.data";
  // Half the pools small (32 PGs), the rest share what is left in equal parts.
  const int small = s.pools / 2;
  const int big = s.pools - small;
  const int small_pgs = std::min(32, s.pgs / std::max(1, s.pools));
  const int left = s.pgs - small * small_pgs;
  std::vector<PoolPlan> plan;
  for (int i = 0; i < s.pools; ++i) {
    int pg_num = small_pgs;
    if (i >= small) {
      const int k = i - small;
      pg_num = left / big + (k < left % big ? 1 : 0);
    }
    const bool erasure =
        names[static_cast<size_t>(i)] == "default.rgw.buckets.data" || (i >= small && i % 10 == 3);
    plan.push_back({i + 1, names[static_cast<size_t>(i)], erasure, pg_num});
  }
  return plan;
}

std::string Host(int h) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "ceph-node-%02d", h + 1);
  return buf;
}

std::string Ip(int net, int h) {
  return "10." + std::to_string(net) + "." + std::to_string(h / 250) + "." +
         std::to_string(h % 250 + 1);
}

int HostOf(const Shape& s, int osd) { return osd / s.osds_per_host; }
bool IsSsd(const Shape& s, int osd) { return osd % s.osds_per_host >= s.osds_per_host - 4; }
bool IsDown(const Shape& s, int osd) { return osd % (s.osds / s.down) == 7; }
bool IsOut(const Shape& s, int osd) { return IsDown(s, osd) && (osd / (s.osds / s.down)) % 2 == 0; }

// "[v2:10.10.0.1:6800/3012,v1:10.10.0.1:6801/3012]"
struct Addrs {
  std::string ip;
  int port;
  int nonce;
  Json Vec() const {
    return Json{{"addrvec", Json::array({Json{{"type", "v2"},
                                              {"addr", ip + ":" + std::to_string(port)},
                                              {"nonce", nonce}},
                                         Json{{"type", "v1"},
                                              {"addr", ip + ":" + std::to_string(port + 1)},
                                              {"nonce", nonce}}})}};
  }
  std::string Legacy() const {
    return ip + ":" + std::to_string(port + 1) + "/" + std::to_string(nonce);
  }
  std::string Bracketed() const {
    return "[v2:" + ip + ":" + std::to_string(port) + "/" + std::to_string(nonce) + ",v1:" + ip +
           ":" + std::to_string(port + 1) + "/" + std::to_string(nonce) + "]";
  }
};

struct OsdAddrs {
  Addrs pub, cluster, hb_back, hb_front;
};

OsdAddrs AddrsOf(const Shape& s, int osd) {
  const int h = HostOf(s, osd);
  const int k = osd % s.osds_per_host;
  const int nonce = 3000 + osd * 7;
  const int base = 6800 + 8 * k;
  return {{Ip(10, h), base, nonce},
          {Ip(20, h), base + 2, nonce},
          {Ip(20, h), base + 6, nonce},
          {Ip(10, h), base + 4, nonce}};
}

constexpr int64_t kOsdEpoch = 48213;

std::string OsdDump(const Shape& s, const std::vector<PoolPlan>& plan) {
  Json d = Fixture("osd_dump.json");
  const Json osd_template = d["osds"][0];
  const Json xinfo_template = d["osd_xinfo"][0];
  const Json pool_template = d["pools"][0];
  d["epoch"] = kOsdEpoch;
  d["crush_version"] = 1843;
  d["max_osd"] = s.osds;
  d["pool_max"] = static_cast<int>(plan.size());
  d["flags"] = "noscrub,sortbitwise,recovery_deletes,purged_snapdirs,pglog_hardlimit";
  d["flags_num"] = 5799936;
  d["flags_set"] = Json::array(
      {"noscrub", "pglog_hardlimit", "purged_snapdirs", "recovery_deletes", "sortbitwise"});
  d["erasure_code_profiles"]["ec42"] = Json{{"crush-device-class", "hdd"},
                                            {"crush-failure-domain", "host"},
                                            {"crush-root", "default"},
                                            {"jerasure-per-chunk-alignment", "false"},
                                            {"k", "4"},
                                            {"m", "2"},
                                            {"plugin", "jerasure"},
                                            {"technique", "reed_sol_van"},
                                            {"w", "8"}};
  d["pools"] = Json::array();
  for (const PoolPlan& p : plan) {
    Json j = pool_template;
    j["pool"] = p.id;
    j["pool_name"] = p.name;
    j["type"] = p.erasure ? 3 : 1;
    j["size"] = p.erasure ? 6 : 3;
    j["min_size"] = p.erasure ? 5 : 2;
    j["crush_rule"] = p.erasure ? 1 : 0;
    j["pg_num"] = p.pg_num;
    j["pg_placement_num"] = p.pg_num;
    j["pg_placement_num_target"] = p.pg_num;
    j["pg_num_target"] = p.pg_num;
    j["pg_num_pending"] = p.pg_num;
    j["last_change"] = std::to_string(kOsdEpoch - 1000 + p.id);
    j["erasure_code_profile"] = p.erasure ? "ec42" : "";
    j["stripe_width"] = p.erasure ? 16384 : 0;
    j["options"] = Json::object();
    if (p.id % 7 == 0) {
      j["options"]["compression_mode"] = "aggressive";
      j["options"]["compression_algorithm"] = "zstd";
    }
    if (p.erasure) {
      j["flags"] = 5;
      j["flags_names"] = "hashpspool,ec_overwrites";
    }
    j["application_metadata"] = Json{{p.name.starts_with("volumes")  ? "rbd"
                                      : p.name.starts_with("cephfs") ? "cephfs"
                                                                     : "rgw",
                                      Json::object()}};
    d["pools"].push_back(std::move(j));
  }
  d["osds"] = Json::array();
  d["osd_xinfo"] = Json::array();
  for (int i = 0; i < s.osds; ++i) {
    const OsdAddrs a = AddrsOf(s, i);
    Json o = osd_template;
    o["osd"] = i;
    char uuid[40];
    std::snprintf(uuid, sizeof(uuid), "5f1197f7-0656-4f51-bab6-%012llx", 0x717c67000000LL + i);
    o["uuid"] = uuid;
    o["up"] = IsDown(s, i) ? 0 : 1;
    o["in"] = IsOut(s, i) ? 0 : 1;
    o["weight"] = IsOut(s, i) ? 0 : 1;
    o["up_from"] = 41000 + i;
    o["up_thru"] = kOsdEpoch - 20;
    o["down_at"] = IsDown(s, i) ? kOsdEpoch - 5 : 40990;
    o["last_clean_begin"] = 40000;
    o["last_clean_end"] = 40990;
    o["public_addrs"] = a.pub.Vec();
    o["cluster_addrs"] = a.cluster.Vec();
    o["heartbeat_back_addrs"] = a.hb_back.Vec();
    o["heartbeat_front_addrs"] = a.hb_front.Vec();
    o["public_addr"] = a.pub.Legacy();
    o["cluster_addr"] = a.cluster.Legacy();
    o["heartbeat_back_addr"] = a.hb_back.Legacy();
    o["heartbeat_front_addr"] = a.hb_front.Legacy();
    o["state"] = IsDown(s, i) ? Json::array({"exists"}) : Json::array({"exists", "up"});
    d["osds"].push_back(std::move(o));
    Json x = xinfo_template;
    x["osd"] = i;
    x["laggy_probability"] = (i % 13 == 0) ? 0.12 : 0;
    x["laggy_interval"] = (i % 13 == 0) ? 4 : 0;
    d["osd_xinfo"].push_back(std::move(x));
  }
  // A rebalance in progress leaves upmaps and pg_temp entries behind.
  for (int i = 0; i < 200; ++i) {
    const PoolPlan& p = plan[plan.size() / 2 + static_cast<size_t>(i) % (plan.size() / 2)];
    char pgid[32];
    std::snprintf(pgid, sizeof(pgid), "%d.%x", p.id, (i * 37) % p.pg_num);
    d["pg_upmap_items"].push_back(Json{
        {"pgid", pgid},
        {"mappings", Json::array({Json{{"from", i % s.osds}, {"to", (i * 7 + 3) % s.osds}}})}});
    if (i < 50) {
      d["pg_temp"].push_back(
          Json{{"pgid", pgid},
               {"osds", Json::array({i % s.osds, (i + 20) % s.osds, (i + 40) % s.osds})}});
    }
  }
  return Print(d);
}

std::string OsdMetadata(const Shape& s) {
  // A bluestore OSD on a whole disk prints about 60 members (the fixture's OSDs are memstore,
  // which prints fewer: the bluestore/bluefs ones are added as Pacific prints them).
  const Json t = Fixture("osd_metadata.json")[0];
  Json out = Json::array();
  for (int i = 0; i < s.osds; ++i) {
    const OsdAddrs a = AddrsOf(s, i);
    const int h = HostOf(s, i);
    const bool ssd = IsSsd(s, i);
    const std::string dev = std::string("sd") + static_cast<char>('b' + i % s.osds_per_host);
    const std::string serial =
        (ssd ? "SAMSUNG_MZ7LH1T9HMLT_S455NY0M" : "SEAGATE_ST8000NM0055_ZA1") +
        std::to_string(100000 + i);
    Json m;
    m["id"] = i;
    m["arch"] = t.value("arch", "x86_64");
    m["back_addr"] = a.cluster.Bracketed();
    m["back_iface"] = "bond1";
    m["bluefs"] = "1";
    m["bluefs_dedicated_db"] = "0";
    m["bluefs_dedicated_wal"] = "0";
    m["bluefs_single_shared_device"] = "1";
    m["bluestore_bdev_access_mode"] = "blk";
    m["bluestore_bdev_block_size"] = "4096";
    m["bluestore_bdev_dev_node"] = "/dev/dm-" + std::to_string(i % s.osds_per_host);
    m["bluestore_bdev_devices"] = dev;
    m["bluestore_bdev_driver"] = "KernelDevice";
    m["bluestore_bdev_partition_path"] = "/dev/dm-" + std::to_string(i % s.osds_per_host);
    m["bluestore_bdev_rotational"] = ssd ? "0" : "1";
    m["bluestore_bdev_size"] = ssd ? "1920378863616" : "8001561821184";
    m["bluestore_bdev_support_discard"] = ssd ? "1" : "0";
    m["bluestore_bdev_type"] = ssd ? "ssd" : "hdd";
    m["ceph_release"] = t.value("ceph_release", "pacific");
    m["ceph_version"] = t.value("ceph_version", "");
    m["ceph_version_short"] = t.value("ceph_version_short", "");
    m["ceph_version_when_created"] = t.value("ceph_version_when_created", "");
    m["container_hostname"] = Host(h);
    m["container_image"] =
        "quay.io/ceph/ceph@sha256:0560b16bec6e84345f29fb6693cd2430884e6efff16a95d5bdd0bb06d7661c45";
    m["cpu"] = "Intel(R) Xeon(R) Silver 4214R CPU @ 2.40GHz";
    m["created_at"] = "2025-03-1" + std::to_string(i % 10) + "T09:12:44.304803Z";
    m["default_device_class"] = ssd ? "ssd" : "hdd";
    m["device_ids"] = dev + "=" + serial;
    m["device_paths"] = dev + "=/dev/disk/by-path/pci-0000:3b:00.0-sas-phy" +
                        std::to_string(i % s.osds_per_host) + "-lun-0";
    m["devices"] = dev;
    m["distro"] = t.value("distro", "");
    m["distro_description"] = t.value("distro_description", "");
    m["distro_version"] = t.value("distro_version", "");
    m["front_addr"] = a.pub.Bracketed();
    m["front_iface"] = "bond0";
    m["hb_back_addr"] = a.hb_back.Bracketed();
    m["hb_front_addr"] = a.hb_front.Bracketed();
    m["hostname"] = Host(h);
    m["journal_rotational"] = ssd ? "0" : "1";
    m["kernel_description"] = t.value("kernel_description", "");
    m["kernel_version"] = t.value("kernel_version", "");
    m["mem_swap_kb"] = "0";
    m["mem_total_kb"] = "263855616";
    m["network_numa_node"] = "0";
    m["network_numa_nodes"] = "0";
    m["objectstore_numa_node"] = std::to_string(i % 2);
    m["objectstore_numa_nodes"] = std::to_string(i % 2);
    m["os"] = "Linux";
    m["osd_data"] = "/var/lib/ceph/osd/ceph-" + std::to_string(i);
    m["osd_objectstore"] = "bluestore";
    m["osdspec_affinity"] = "default_drive_group";
    m["rotational"] = ssd ? "0" : "1";
    m["ceph_version_when_created"] = t.value("ceph_version_when_created", "");
    m["container_name"] = "ceph-osd-" + std::to_string(i);
    m["pod_name"] = "";
    m["network_ping_times"] = "";
    m["osd_op_num_shards"] = "5";
    m["osd_op_num_threads_per_shard"] = "1";
    m["bluestore_allocation_from_file"] = "0";
    m["mon_host"] = "[v2:10.10.0.1:3300/0,v1:10.10.0.1:6789/0]";
    m["numa_node_cpus"] = "0-19,40-59";
    out.push_back(std::move(m));
  }
  return Print(out);
}

std::string OsdPerf(const Shape& s, std::mt19937& rng) {
  std::uniform_int_distribution<int> ms(0, 40);
  Json infos = Json::array();
  for (int i = s.osds - 1; i >= 0; --i) {  // Pacific lists them from the highest id
    const int apply = IsDown(s, i) ? 0 : ms(rng);
    const int commit = apply;
    infos.push_back(Json{{"id", i},
                         {"perf_stats", Json{{"commit_latency_ms", commit},
                                             {"apply_latency_ms", apply},
                                             {"commit_latency_ns", commit * 1000000LL},
                                             {"apply_latency_ns", apply * 1000000LL}}}});
  }
  return Print(Json{{"pg_ready", true}, {"osdstats", Json{{"osd_perf_infos", std::move(infos)}}}});
}

std::string CrushDump(const Shape& s) {
  Json d;
  d["devices"] = Json::array();
  for (int i = 0; i < s.osds; ++i) {
    d["devices"].push_back(Json{
        {"id", i}, {"name", "osd." + std::to_string(i)}, {"class", IsSsd(s, i) ? "ssd" : "hdd"}});
  }
  d["types"] = Json::array();
  const char* types[] = {"osd", "host", "chassis",    "rack", "row",    "pdu",
                         "pod", "room", "datacenter", "zone", "region", "root"};
  for (int i = 0; i < 12; ++i) {
    d["types"].push_back(Json{{"type_id", i}, {"name", types[i]}});
  }
  // default, default~hdd, default~ssd, then each host and its two shadow buckets.
  const int hosts = (s.osds + s.osds_per_host - 1) / s.osds_per_host;
  d["buckets"] = Json::array();
  const auto bucket = [&](int id, const std::string& name, int type, const Json& items) {
    int64_t weight = 0;
    for (const auto& it : items) {
      weight += it["weight"].get<int64_t>();
    }
    d["buckets"].push_back(Json{{"id", id},
                                {"name", name},
                                {"type_id", type},
                                {"type_name", types[type]},
                                {"weight", weight},
                                {"alg", "straw2"},
                                {"hash", "rjenkins1"},
                                {"items", items}});
  };
  for (const char* cls : {"", "~hdd", "~ssd"}) {
    Json roots = Json::array();
    for (int h = 0; h < hosts; ++h) {
      roots.push_back(Json{{"id", -10 - 3 * h -
                                      (cls[0] == 0     ? 0
                                       : cls[1] == 'h' ? 1
                                                       : 2)},
                           {"weight", 0},
                           {"pos", h}});
    }
    Json hosts_items = Json::array();
    for (int h = 0; h < hosts; ++h) {
      Json items = Json::array();
      for (int i = h * s.osds_per_host; i < std::min(s.osds, (h + 1) * s.osds_per_host); ++i) {
        if (cls[0] == 0 || (cls[1] == 's') == IsSsd(s, i)) {
          items.push_back(
              Json{{"id", i}, {"weight", IsSsd(s, i) ? 114688 : 476672}, {"pos", items.size()}});
        }
      }
      const int id = -10 - 3 * h - (cls[0] == 0 ? 0 : cls[1] == 'h' ? 1 : 2);
      bucket(id, Host(h) + cls, 1, items);
      int64_t w = 0;
      for (const auto& it : items) {
        w += it["weight"].get<int64_t>();
      }
      roots[static_cast<size_t>(h)]["weight"] = w;
    }
    bucket(cls[0] == 0 ? -1 : cls[1] == 'h' ? -2 : -3, std::string("default") + cls, 11, roots);
  }
  d["rules"] = Json::array(
      {Json{{"rule_id", 0},
            {"rule_name", "replicated_rule"},
            {"ruleset", 0},
            {"type", 1},
            {"min_size", 1},
            {"max_size", 10},
            {"steps", Json::array({Json{{"op", "take"}, {"item", -1}, {"item_name", "default"}},
                                   Json{{"op", "chooseleaf_firstn"}, {"num", 0}, {"type", "host"}},
                                   Json{{"op", "emit"}}})}},
       Json{{"rule_id", 1},
            {"rule_name", "ec42"},
            {"ruleset", 1},
            {"type", 3},
            {"min_size", 3},
            {"max_size", 6},
            {"steps", Json::array({Json{{"op", "set_chooseleaf_tries"}, {"num", 5}},
                                   Json{{"op", "set_choose_tries"}, {"num", 100}},
                                   Json{{"op", "take"}, {"item", -2}, {"item_name", "default~hdd"}},
                                   Json{{"op", "chooseleaf_indep"}, {"num", 0}, {"type", "host"}},
                                   Json{{"op", "emit"}}})}}});
  d["tunables"] = Json{{"choose_local_tries", 0},
                       {"choose_local_fallback_tries", 0},
                       {"choose_total_tries", 50},
                       {"chooseleaf_descend_once", 1},
                       {"chooseleaf_vary_r", 1},
                       {"chooseleaf_stable", 1},
                       {"straw_calc_version", 1},
                       {"allowed_bucket_algs", 54},
                       {"profile", "jewel"},
                       {"optimal_tunables", 1},
                       {"legacy_tunables", 0},
                       {"minimum_required_version", "jewel"},
                       {"require_feature_tunables", 1},
                       {"require_feature_tunables2", 1},
                       {"has_v2_rules", 1},
                       {"require_feature_tunables3", 1},
                       {"has_v3_rules", 0},
                       {"has_v4_buckets", 1},
                       {"require_feature_tunables5", 1},
                       {"has_v5_rules", 0}};
  d["choose_args"] = Json::object();
  return Print(d);
}

// The states of 100k PGs on a healthy-but-busy cluster: mostly active+clean, some scrubbing,
// a few degraded (the down OSDs), backfilling (a rebalance), peering.
const char* PgState(std::mt19937& rng) {
  static const std::vector<std::pair<double, const char*>> kStates = {
      {0.9700, "active+clean"},
      {0.0100, "active+clean+scrubbing"},
      {0.0080, "active+clean+scrubbing+deep"},
      {0.0040, "active+undersized+degraded"},
      {0.0030, "active+remapped+backfill_wait"},
      {0.0010, "active+remapped+backfilling"},
      {0.0020, "active+recovery_wait+degraded"},
      {0.0010, "active+clean+snaptrim_wait"},
      {0.0005, "peering"},
      {0.0005, "active+clean+laggy"},
  };
  double x = std::uniform_real_distribution<double>(0, 1)(rng);
  for (const auto& [p, name] : kStates) {
    if (x < p) {
      return name;
    }
    x -= p;
  }
  return kStates[0].second;
}

struct PgSummary {
  std::map<std::string, int> by_state;
  std::map<int, int64_t> objects;  // by pool
};

std::string PgDump(const Shape& s, const std::vector<PoolPlan>& plan, std::mt19937& rng,
                   PgSummary& sum) {
  // `pg dump pgs_brief pools` prints {"pg_ready", "pool_stats", "pg_stats"}: the entries of
  // `pg dump pools` and of `pg dump pgs_brief`, in their fixtures' shape.
  const Json pools_fixture = Fixture("pg_dump_pools.json");
  const Json pool_template = pools_fixture["pool_stats"][0];
  const Json pg_template = Fixture("pg_dump_pgs_brief.json")["pg_stats"][0];
  std::uniform_int_distribution<int> osd(0, s.osds - 1);
  std::uniform_int_distribution<int64_t> objects(1000, 4000000);
  Json d;
  d["pg_ready"] = true;
  d["pool_stats"] = Json::array();
  for (auto it = plan.rbegin(); it != plan.rend(); ++it) {
    const PoolPlan& p = *it;
    Json j = pool_template;
    const int64_t n = p.pg_num > 100 ? objects(rng) : objects(rng) / 1000;
    sum.objects[p.id] = n;
    const int size = p.erasure ? 6 : 3;
    j["poolid"] = p.id;
    j["num_pg"] = p.pg_num;
    Json& st = j["stat_sum"];
    st["num_bytes"] = n * 4194304;
    st["num_objects"] = n;
    st["num_object_copies"] = n * size;
    st["num_objects_dirty"] = n;
    st["num_read"] = n * 31;
    st["num_read_kb"] = n * 1200;
    st["num_write"] = n * 17;
    st["num_write_kb"] = n * 4096;
    st["num_objects_repaired"] = p.id % 17 == 0 ? 3 : 0;
    j["log_size"] = p.pg_num * 3000;
    j["ondisk_log_size"] = p.pg_num * 3000;
    j["up"] = p.pg_num * size;
    j["acting"] = p.pg_num * size;
    d["pool_stats"].push_back(std::move(j));
  }
  Json pgs = Json::array();
  int made = 0;
  for (const PoolPlan& p : plan) {
    const int size = p.erasure ? 6 : 3;
    for (int seed = 0; seed < p.pg_num && made < s.pgs; ++seed, ++made) {
      Json pg = pg_template;
      char pgid[32];
      std::snprintf(pgid, sizeof(pgid), "%d.%x", p.id, seed);
      const std::string state = PgState(rng);
      ++sum.by_state[state];
      Json up = Json::array();
      while (static_cast<int>(up.size()) < size) {
        const int o = osd(rng);
        if (std::find(up.begin(), up.end(), Json(o)) == up.end()) {
          up.push_back(o);
        }
      }
      Json acting = up;
      if (state.find("undersized") != std::string::npos) {
        acting[acting.size() - 1] = p.erasure ? Json(2147483647) : Json();
        if (!p.erasure) {
          acting.erase(acting.size() - 1);
        }
      } else if (state.find("remapped") != std::string::npos) {
        acting[0] = osd(rng);
      }
      pg["pgid"] = pgid;
      pg["state"] = state;
      pg["up"] = up;
      pg["acting"] = acting;
      pg["up_primary"] = up[0];
      pg["acting_primary"] = acting[0];
      pgs.push_back(std::move(pg));
    }
  }
  d["pg_stats"] = std::move(pgs);
  return Print(d);
}

std::string DfDetail(const Shape& s, const std::vector<PoolPlan>& plan, const PgSummary& sum) {
  Json d = Fixture("df_detail.json");
  const Json pool_template = d["pools"][0];
  const double hdd = 8001561821184.0;
  const double ssd = 1920378863616.0;
  const int ssds = s.osds / s.osds_per_host * 4;
  const double total = hdd * (s.osds - ssds) + ssd * ssds;
  const double used = total * 0.41;
  Json& st = d["stats"];
  st["total_bytes"] = total;
  st["total_avail_bytes"] = total - used;
  st["total_used_bytes"] = used;
  st["total_used_raw_bytes"] = used;
  st["total_used_raw_ratio"] = 0.41;
  st["num_osds"] = s.osds;
  st["num_per_pool_osds"] = s.osds;
  st["num_per_pool_omap_osds"] = s.osds;
  Json cls = d["stats_by_class"]["hdd"];
  d["stats_by_class"] = Json::object();
  for (const auto& [name, bytes, n] :
       {std::tuple{"hdd", hdd, s.osds - ssds}, std::tuple{"ssd", ssd, ssds}}) {
    cls["total_bytes"] = bytes * n;
    cls["total_avail_bytes"] = bytes * n * 0.59;
    cls["total_used_bytes"] = bytes * n * 0.41;
    cls["total_used_raw_bytes"] = bytes * n * 0.41;
    cls["total_used_raw_ratio"] = 0.41;
    d["stats_by_class"][name] = cls;
  }
  d["pools"] = Json::array();
  for (const PoolPlan& p : plan) {
    Json j = pool_template;
    const int64_t n = sum.objects.at(p.id);
    const double stored = static_cast<double>(n) * 4194304.0;
    const double raw = stored * (p.erasure ? 1.5 : 3.0);
    j["name"] = p.name;
    j["id"] = p.id;
    Json& ps = j["stats"];
    ps["stored"] = stored;
    ps["stored_data"] = stored;
    ps["stored_omap"] = p.name.find("index") != std::string::npos ? 123456789.0 : 0.0;
    ps["objects"] = n;
    ps["kb_used"] = raw / 1024;
    ps["bytes_used"] = raw;
    ps["data_bytes_used"] = raw;
    ps["percent_used"] = raw / (total - used + raw);
    ps["max_avail"] = (total - used) / (p.erasure ? 1.5 : 3.0);
    ps["quota_objects"] = p.id % 11 == 0 ? 10000000 : 0;
    ps["quota_bytes"] = p.id % 11 == 0 ? 107374182400000 : 0;
    ps["dirty"] = 0;
    ps["rd"] = n * 31;
    ps["rd_bytes"] = n * 1200 * 1024;
    ps["wr"] = n * 17;
    ps["wr_bytes"] = n * 4096 * 1024;
    ps["compress_bytes_used"] = p.id % 7 == 0 ? raw * 0.3 : 0.0;
    ps["compress_under_bytes"] = p.id % 7 == 0 ? raw * 0.6 : 0.0;
    ps["stored_raw"] = raw;
    ps["avail_raw"] = total - used;
    d["pools"].push_back(std::move(j));
  }
  return Print(d);
}

std::string PoolStats(const std::vector<PoolPlan>& plan) {
  Json out = Json::array();
  for (const PoolPlan& p : plan) {
    Json j;
    j["pool_name"] = p.name;
    j["pool_id"] = p.id;
    j["recovery"] = Json::object();
    j["recovery_rate"] = Json::object();
    j["client_io_rate"] = Json::object();
    if (p.pg_num > 100 && p.id % 3 == 0) {  // recovering pools print their rates
      j["recovery"] = Json{
          {"degraded_objects", 1234}, {"degraded_total", 9000000}, {"degraded_ratio", 0.000137}};
      j["recovery_rate"] =
          Json{{"recovering_objects_per_sec", 37}, {"recovering_bytes_per_sec", 155189248},
               {"recovering_keys_per_sec", 0},     {"num_objects_recovered", 112},
               {"num_bytes_recovered", 469762048}, {"num_keys_recovered", 0}};
    }
    if (p.pg_num > 100) {
      j["client_io_rate"] = Json{{"read_bytes_sec", 52428800 + p.id},
                                 {"write_bytes_sec", 20971520 + p.id},
                                 {"read_op_per_sec", 1200 + p.id},
                                 {"write_op_per_sec", 340 + p.id}};
    }
    out.push_back(std::move(j));
  }
  return Print(out);
}

std::string Status(const Shape& s, const PgSummary& sum, int64_t monmap_epoch,
                   int64_t fsmap_epoch) {
  Json d = Fixture("status.json");
  int down = 0;
  int out = 0;
  for (int i = 0; i < s.osds; ++i) {
    down += IsDown(s, i) ? 1 : 0;
    out += IsOut(s, i) ? 1 : 0;
  }
  int degraded_pgs = 0;
  for (const auto& [state, n] : sum.by_state) {
    degraded_pgs += state.find("degraded") != std::string::npos ? n : 0;
  }
  d["health"] = Json{
      {"status", "HEALTH_WARN"},
      {"checks",
       Json{{"OSDMAP_FLAGS",
             Json{{"severity", "HEALTH_WARN"},
                  {"summary", Json{{"message", "noscrub flag(s) set"}, {"count", 1}}},
                  {"muted", false}}},
            {"OSD_DOWN", Json{{"severity", "HEALTH_WARN"},
                              {"summary", Json{{"message", std::to_string(down) + " osds down"},
                                               {"count", down}}},
                              {"muted", false}}},
            {"PG_DEGRADED",
             Json{{"severity", "HEALTH_WARN"},
                  {"summary",
                   Json{{"message",
                         "Degraded data redundancy: 12345/1234567890 objects degraded (0.001%), " +
                             std::to_string(degraded_pgs) + " pgs degraded"},
                        {"count", degraded_pgs}}},
                  {"muted", false}}}}},
      {"mutes", Json::array()}};
  d["monmap"]["epoch"] = monmap_epoch;
  d["fsmap"]["epoch"] = fsmap_epoch;
  Json& om = d["osdmap"];
  om["epoch"] = kOsdEpoch;
  om["num_osds"] = s.osds;
  om["num_up_osds"] = s.osds - down;
  om["num_in_osds"] = s.osds - out;
  om["num_remapped_pgs"] = sum.by_state.count("active+remapped+backfill_wait") +
                           sum.by_state.count("active+remapped+backfilling");
  Json& pm = d["pgmap"];
  pm["pgs_by_state"] = Json::array();
  int64_t objects = 0;
  for (const auto& [pool, n] : sum.objects) {
    objects += n;
  }
  std::vector<std::pair<int, std::string>> states;
  for (const auto& [state, n] : sum.by_state) {
    states.emplace_back(n, state);
  }
  std::sort(states.rbegin(), states.rend());
  for (const auto& [n, state] : states) {
    pm["pgs_by_state"].push_back(Json{{"state_name", state}, {"count", n}});
  }
  pm["num_pgs"] = s.pgs;
  pm["num_pools"] = s.pools;
  pm["num_objects"] = objects;
  pm["data_bytes"] = static_cast<double>(objects) * 4194304.0;
  pm["degraded_objects"] = 12345;
  pm["degraded_total"] = 1234567890;
  pm["degraded_ratio"] = 0.00001;
  pm["misplaced_objects"] = 67890;
  pm["misplaced_total"] = 1234567890;
  pm["misplaced_ratio"] = 0.000055;
  pm["recovering_objects_per_sec"] = 37;
  pm["recovering_bytes_per_sec"] = 155189248;
  pm["read_bytes_sec"] = 2147483648LL;
  pm["write_bytes_sec"] = 1073741824LL;
  pm["read_op_per_sec"] = 52000;
  pm["write_op_per_sec"] = 17000;
  return Print(d);
}

// ---- the fake cluster ----

// One output as the cluster holds it: malloc'd, so the heap count never sees it.
struct Stored {
  char* data = nullptr;
  size_t size = 0;
};

class SyntheticCluster : public swarmscope::ceph::Cluster {
 public:
  SyntheticCluster() {
    for (const CommandSpec& c : ClusterCommands()) {
      names_[std::string(c.json)] = std::string(c.name);
    }
  }
  ~SyntheticCluster() override {
    for (auto& [json, s] : store_) {
      std::free(s.data);
    }
  }
  void Add(std::string_view name, const std::string& out) {
    for (const CommandSpec& c : ClusterCommands()) {
      if (c.name == name) {
        Stored s{static_cast<char*>(std::malloc(out.size())), out.size()};
        std::memcpy(s.data, out.data(), out.size());
        store_[std::string(c.json)] = s;
        return;
      }
    }
    // A command this build does not send (the list changes with the exporter): not served.
  }
  size_t Bytes(std::string_view name) const { return Text(name).size(); }
  std::string_view Text(std::string_view name) const {
    for (const auto& [json, n] : names_) {
      if (const auto it = store_.find(json); n == name && it != store_.end()) {
        return {it->second.data, it->second.size};
      }
    }
    return {};
  }
  // Copies the replies of the commands in `which` (operator new, counted), to be handed
  // over by Command() as librados hands over its replies. Returns their bytes.
  size_t Prepare(const std::vector<const CommandSpec*>& which) {
    std::lock_guard lock(mu_);
    prepared_.clear();
    size_t bytes = 0;
    for (const CommandSpec* c : which) {
      const auto it = store_.find(std::string(c->json));
      if (it != store_.end()) {
        prepared_[std::string(c->json)] =
            CommandResult{0, std::string(it->second.data, it->second.size), ""};
        bytes += it->second.size;
      }
    }
    return bytes;
  }
  CommandResult Command(Target, const std::string& json) override {
    std::lock_guard lock(mu_);
    asked_.push_back(names_.contains(json) ? names_[json] : json);
    if (const auto it = prepared_.find(json); it != prepared_.end()) {
      CommandResult r = std::move(it->second);
      prepared_.erase(it);
      return r;
    }
    if (const auto it = store_.find(json); it != store_.end()) {
      unprepared_.push_back(names_[json]);
      return {0, std::string(it->second.data, it->second.size), ""};
    }
    return {-ENOENT, "", "(2) No such file or directory"};  // the module's health history
  }
  // What was asked since the last call, and what was asked without being prepared.
  std::vector<std::string> TakeAsked() {
    std::lock_guard lock(mu_);
    prepared_.clear();
    return std::exchange(asked_, {});
  }
  std::vector<std::string> TakeUnprepared() {
    std::lock_guard lock(mu_);
    return std::exchange(unprepared_, {});
  }

 private:
  std::mutex mu_;
  std::map<std::string, Stored> store_;
  std::map<std::string, std::string> names_;
  std::map<std::string, CommandResult> prepared_;
  std::vector<std::string> asked_;
  std::vector<std::string> unprepared_;
};

class Errors : public swarmscope::ErrorReporter {
 public:
  void Report(std::string_view cause, std::string_view message, swarmscope::LogFields) override {
    std::lock_guard lock(mu_);
    messages_.push_back(std::string(cause) + ": " + std::string(message));
  }
  std::vector<std::string> Take() {
    std::lock_guard lock(mu_);
    return std::exchange(messages_, {});
  }

 private:
  std::mutex mu_;
  std::vector<std::string> messages_;
};

// ---- measuring ----

double ProcessCpuMs() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

double WallMs() {
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

struct Sample {
  double cpu_ms = 0;
  double wall_ms = 0;
  double peak_mib = 0;      // highest live bytes during the refresh
  double at_start_mib = 0;  // live at the reset: replies + kept state + the rest
  double replies_mib = 0;   // of which the prepared replies
  int64_t allocations = 0;
  size_t text_bytes = 0;
  std::vector<std::string> asked;
};

std::vector<const CommandSpec*> Commands(bool everything) {
  std::vector<const CommandSpec*> out;
  for (const CommandSpec& c : ClusterCommands()) {
    if (everything || c.when == When::kEvery) {
      out.push_back(&c);
    }
  }
  return out;
}

Sample Refresh(ClusterRefresh& refresh, SyntheticCluster& cluster, Errors& errors, bool first) {
  Sample s;
  s.replies_mib = static_cast<double>(cluster.Prepare(Commands(first))) / kMib;
  s.at_start_mib = static_cast<double>(g_live.load()) / kMib;
  g_peak.store(g_live.load());
  const int64_t allocations = g_allocations.load();
  const double cpu = ProcessCpuMs();
  const double wall = WallMs();
  const bool ok = refresh.RefreshOnce(cluster);
  s.wall_ms = WallMs() - wall;
  s.cpu_ms = ProcessCpuMs() - cpu;
  s.peak_mib = static_cast<double>(g_peak.load()) / kMib;
  s.allocations = g_allocations.load() - allocations;
  s.asked = cluster.TakeAsked();
  const auto snapshot = refresh.Snapshot();
  s.text_bytes = snapshot.text ? snapshot.text->size() : 0;
  for (const std::string& e : errors.Take()) {
    std::printf("refresh error: %s\n", e.c_str());
  }
  for (const std::string& u : cluster.TakeUnprepared()) {
    std::printf(
        "note: %s was asked without being prepared (its reply is counted as allocated during the "
        "refresh)\n",
        u.c_str());
  }
  if (!ok || !snapshot.ok) {
    std::printf("refresh failed: %s\n", snapshot.problem.c_str());
  }
  return s;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

void Bar(const std::string& what, bool met) {
  std::printf("bar %s: %s\n", what.c_str(), met ? "met" : "NOT met");
}

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) {
    out += (out.empty() ? "" : " ") + s;
  }
  return out;
}

void Report(const char* what, const std::vector<Sample>& samples) {
  std::vector<double> cpu, wall, peak;
  for (const Sample& s : samples) {
    cpu.push_back(s.cpu_ms);
    wall.push_back(s.wall_ms);
    peak.push_back(s.peak_mib);
  }
  const Sample& last = samples.back();
  std::printf(
      "%-12s cpu=%7.1f ms (min %.1f, max %.1f)  wall=%7.1f ms  peak heap=%5.1f MiB (max %.1f; at "
      "start %.1f, of "
      "which replies %.1f; +%.1f MiB during)  allocations=%lld  text=%zu bytes\n",
      what, Median(cpu), *std::min_element(cpu.begin(), cpu.end()),
      *std::max_element(cpu.begin(), cpu.end()), Median(wall), Median(peak),
      *std::max_element(peak.begin(), peak.end()), last.at_start_mib, last.replies_mib,
      last.peak_mib - last.at_start_mib, static_cast<long long>(last.allocations), last.text_bytes);
  std::printf("%-12s commands sent: %s\n", what, Join(last.asked).c_str());
}

// The pg dump floor with a streaming parser other than nlohmann's: Boost.JSON's
// basic_parser (which validates the whole text as JSON too), counting PGs by pool and state
// the way ParsePgDump does (every object with a "pgid" and a "state").
class BoostPgCounter {
 public:
  using ec_t = boost::json::error_code;
  static constexpr std::size_t max_object_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_array_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_key_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_string_size = static_cast<std::size_t>(-1);

  bool on_document_begin(ec_t&) { return true; }
  bool on_document_end(ec_t&) { return true; }
  bool on_array_begin(ec_t&) { return Value(); }
  bool on_array_end(std::size_t, ec_t&) { return true; }
  bool on_object_begin(ec_t&) {
    stack_.emplace_back();
    return Value();
  }
  bool on_object_end(std::size_t, ec_t&) {
    const Object& o = stack_.back();
    if (!o.pgid.empty() && !o.state.empty()) {
      Count(o);
    }
    stack_.pop_back();
    return Value();
  }
  bool on_key_part(boost::json::string_view s, std::size_t, ec_t&) {
    part_.append(s.data(), s.size());
    return true;
  }
  bool on_key(boost::json::string_view s, std::size_t, ec_t&) {
    part_.append(s.data(), s.size());
    key_.swap(part_);
    part_.clear();
    return true;
  }
  bool on_string_part(boost::json::string_view s, std::size_t, ec_t&) {
    part_.append(s.data(), s.size());
    return true;
  }
  bool on_string(boost::json::string_view s, std::size_t, ec_t&) {
    if (!stack_.empty() && (key_ == "pgid" || key_ == "state")) {
      part_.append(s.data(), s.size());
      (key_ == "pgid" ? stack_.back().pgid : stack_.back().state).swap(part_);
    }
    part_.clear();
    return Value();
  }
  bool on_number_part(boost::json::string_view, ec_t&) { return true; }
  bool on_int64(int64_t, boost::json::string_view, ec_t&) { return Value(); }
  bool on_uint64(uint64_t, boost::json::string_view, ec_t&) { return Value(); }
  bool on_double(double, boost::json::string_view, ec_t&) { return Value(); }
  bool on_bool(bool, ec_t&) { return Value(); }
  bool on_null(ec_t&) { return Value(); }
  bool on_comment_part(boost::json::string_view, ec_t&) { return true; }
  bool on_comment(boost::json::string_view, ec_t&) { return true; }

  size_t pgs() const { return pgs_; }

 private:
  struct Object {
    std::string pgid;
    std::string state;
  };
  bool Value() {
    key_.clear();
    return true;
  }
  void Count(const Object& o) {
    const size_t dot = o.pgid.find('.');
    int64_t pool = 0;
    std::from_chars(o.pgid.data(), o.pgid.data() + std::min(dot, o.pgid.size()), pool);
    auto& states = by_pool_[pool];
    std::string_view s = o.state;
    while (!s.empty()) {
      const size_t plus = std::min(s.find('+'), s.size());
      const std::string_view name = s.substr(0, plus);
      auto it = states.find(name);
      if (it == states.end()) {
        it = states.emplace(std::string(name), 0).first;
      }
      ++it->second;
      s.remove_prefix(std::min(plus + 1, s.size()));
    }
    ++pgs_;
  }
  std::vector<Object> stack_;
  std::string key_;
  std::string part_;
  std::map<int64_t, std::map<std::string, int64_t, std::less<>>> by_pool_;
  size_t pgs_ = 0;
};

// Where the time goes: each command's output parsed alone (ParseOutputs, as the refresh
// does), then the rendering of everything alone (WriteCluster into a fresh writer).
void Breakdown(SyntheticCluster& cluster, int iterations) {
  std::printf(
      "where the time goes (median of %d; process CPU, one thread; heap = peak live bytes above "
      "the start, reply excluded):\n",
      iterations);
  swarmscope::ceph::ClusterData all;
  Errors errors;
  double parse_total = 0;
  for (const CommandSpec* c : Commands(true)) {
    if (cluster.Bytes(c->name) == 0) {
      continue;
    }
    std::vector<double> times;
    double heap = 0;
    for (int i = 0; i < iterations; ++i) {
      cluster.Prepare({c});
      swarmscope::ceph::RawOutputs raw;
      raw.results.emplace_back(c, cluster.Command(c->target, std::string(c->json)));
      swarmscope::ceph::ClusterData d;
      const int64_t start = g_live.load();
      g_peak.store(start);
      const double t = ProcessCpuMs();
      swarmscope::ceph::ParseOutputs(raw, i + 1 == iterations ? all : d, errors, nullptr);
      times.push_back(ProcessCpuMs() - t);
      heap = static_cast<double>(g_peak.load() - start) / kMib;
    }
    cluster.TakeAsked();
    parse_total += Median(times);
    std::printf("  parse %-16s %9zu bytes  %7.2f ms  %6.1f MB/s  heap +%.1f MiB\n",
                std::string(c->name).c_str(), cluster.Bytes(c->name), Median(times),
                static_cast<double>(cluster.Bytes(c->name)) / 1e6 / (Median(times) / 1e3), heap);
  }
  for (const std::string& e : errors.Take()) {
    std::printf("parse error: %s\n", e.c_str());
  }
  std::vector<double> times;
  size_t bytes = 0;
  double heap = 0;
  for (int i = 0; i < iterations; ++i) {
    swarmscope::MetricWriter out;
    const int64_t start = g_live.load();
    g_peak.store(start);
    const double t = ProcessCpuMs();
    swarmscope::ceph::WriteCluster(all, {}, out);
    times.push_back(ProcessCpuMs() - t);
    heap = static_cast<double>(g_peak.load() - start) / kMib;
    bytes = out.text().size();
  }
  std::printf("  parse, all commands      %7.2f ms\n", parse_total);
  // Floors for the big ones: nlohmann's own parser building nothing (json::accept: what any
  // parse with nlohmann costs at least), and, for pg dump, a scan that only finds each
  // "state" value with string_view::find and counts it (what a dedicated scanner could cost).
  for (std::string_view name : {"pg_dump", "osd_dump", "metadata_osd"}) {
    const std::string_view text = cluster.Text(name);
    std::vector<double> accept;
    for (int i = 0; i < iterations; ++i) {
      const double t = ProcessCpuMs();
      const bool ok = nlohmann::json::accept(text.begin(), text.end());
      accept.push_back(ProcessCpuMs() - t);
      if (!ok) {
        std::printf("  %s is not valid JSON\n", std::string(name).c_str());
      }
    }
    std::vector<double> dom;
    for (int i = 0; i < iterations; ++i) {
      const double t = ProcessCpuMs();
      boost::json::error_code ec;
      const boost::json::value v =
          boost::json::parse(boost::json::string_view(text.data(), text.size()), ec);
      dom.push_back(ProcessCpuMs() - t);
      if (ec) {
        std::printf("  boost::json: %s\n", ec.message().c_str());
      }
    }
    std::printf(
        "  floor %-16s json::accept (nlohmann, builds nothing) %7.2f ms  %6.1f MB/s; "
        "boost::json::parse (a whole DOM) %7.2f ms\n",
        std::string(name).c_str(), Median(accept),
        static_cast<double>(text.size()) / 1e6 / (Median(accept) / 1e3), Median(dom));
  }
  {
    const std::string_view text = cluster.Text("pg_dump");
    std::vector<double> scan;
    size_t pgs = 0;
    for (int i = 0; i < iterations; ++i) {
      const double t = ProcessCpuMs();
      std::map<std::string, int64_t, std::less<>> states;
      pgs = 0;
      constexpr std::string_view kKey = "\"state\":\"";
      for (size_t at = text.find(kKey); at != std::string_view::npos; at = text.find(kKey, at)) {
        at += kKey.size();
        const size_t end = text.find('"', at);
        const std::string_view state = text.substr(at, end - at);
        if (auto it = states.find(state); it != states.end()) {
          ++it->second;
        } else {
          states.emplace(std::string(state), 1);
        }
        ++pgs;
        at = end;
      }
      scan.push_back(ProcessCpuMs() - t);
    }
    std::printf("  floor pg_dump          find each \"state\" and count it  %7.2f ms  (%zu PGs)\n",
                Median(scan), pgs);
    std::vector<double> boost;
    for (int i = 0; i < iterations; ++i) {
      const double t = ProcessCpuMs();
      boost::json::basic_parser<BoostPgCounter> parser{boost::json::parse_options{}};
      boost::json::error_code ec;
      parser.write_some(false, text.data(), text.size(), ec);
      boost.push_back(ProcessCpuMs() - t);
      pgs = parser.handler().pgs();
      if (ec) {
        std::printf("  boost::json: %s\n", ec.message().c_str());
      }
    }
    std::printf(
        "  floor pg_dump          Boost.JSON basic_parser, counting as ParsePgDump does %7.2f ms  "
        "%6.1f MB/s  (%zu PGs)\n",
        Median(boost), static_cast<double>(text.size()) / 1e6 / (Median(boost) / 1e3), pgs);
  }
  std::printf("  render (WriteCluster)    %7.2f ms  %zu bytes  heap +%.1f MiB\n", Median(times),
              bytes, heap);
}

// What the rendering holds: a check that the synthetic outputs were read as meant.
void Check(const std::string& text) {
  std::map<std::string, int> series;
  double pg_total = 0;
  size_t lines = 0;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') {
      continue;
    }
    ++lines;
    const std::string name = line.substr(0, line.find_first_of("{ "));
    ++series[name];
    if (name == "ceph_pg_total") {
      pg_total += std::stod(line.substr(line.rfind(' ') + 1));
    }
  }
  std::printf(
      "rendering: %zu series; ceph_osd_up=%d ceph_osd_metadata=%d ceph_pool_metadata=%d "
      "ceph_pool_stored=%d "
      "ceph_pg_total=%d (sum %.0f) ceph_pg_active=%d\n",
      lines, series["ceph_osd_up"], series["ceph_osd_metadata"], series["ceph_pool_metadata"],
      series["ceph_pool_stored"], series["ceph_pg_total"], pg_total, series["ceph_pg_active"]);
}

}  // namespace

int main(int argc, char** argv) {
  int iterations = 7;
  Shape shape;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const auto value = [&](const char* flag) -> const char* {
      const size_t n = std::strlen(flag);
      return a.compare(0, n, flag) == 0 ? a.c_str() + n : nullptr;
    };
    if (const char* v = value("--iterations=")) {
      iterations = std::max(1, std::atoi(v));
    } else if (const char* v2 = value("--osds=")) {
      shape.osds = std::max(20, std::atoi(v2));
    } else if (const char* v3 = value("--pools=")) {
      shape.pools = std::max(10, std::atoi(v3));
    } else if (const char* v4 = value("--pgs=")) {
      shape.pgs = std::max(shape.pools, std::atoi(v4));
    } else {
      std::fprintf(stderr, "usage: %s [--iterations=N] [--osds=N] [--pools=N] [--pgs=N]\n",
                   argv[0]);
      return 2;
    }
  }

  SyntheticCluster cluster;
  {
    // Generated once; every temporary is gone before anything is measured.
    std::mt19937 rng(42);
    const std::vector<PoolPlan> plan = PlanPools(shape);
    PgSummary sum;
    cluster.Add("pg_dump", PgDump(shape, plan, rng, sum));
    cluster.Add("osd_dump", OsdDump(shape, plan));
    cluster.Add("metadata_osd", OsdMetadata(shape));
    cluster.Add("osd_perf", OsdPerf(shape, rng));
    cluster.Add("osd_crush_dump", CrushDump(shape));
    cluster.Add("df", DfDetail(shape, plan, sum));
    cluster.Add("osd_pool_stats", PoolStats(plan));
    const Json mon_dump = Fixture("mon_dump.json");
    const Json fs_dump = Fixture("fs_dump.json");
    Json mgr_dump = Fixture("mgr_dump.json");
    cluster.Add("status", Status(shape, sum, mon_dump["epoch"].get<int64_t>(),
                                 fs_dump["epoch"].get<int64_t>()));
    cluster.Add("mon_dump", Print(mon_dump));
    cluster.Add("fs_dump", Print(fs_dump));
    cluster.Add("mgr_dump", Print(mgr_dump));
    // `mgr stat` as Pacific prints it, with the epoch of that mgr map (if this build sends it).
    cluster.Add("mgr_stat", Print(Json{{"epoch", mgr_dump["epoch"]},
                                       {"available", true},
                                       {"active_name", mgr_dump["active_name"]},
                                       {"num_standby", 0}}));
    cluster.Add("metadata_mon", ReadFixture("mon_metadata.json"));
    cluster.Add("metadata_mds", ReadFixture("mds_metadata.json"));
    cluster.Add("metadata_mgr", ReadFixture("mgr_metadata.json"));
    int states = 0;
    for (const auto& [state, n] : sum.by_state) {
      states += n > 0 ? 1 : 0;
    }
    std::printf(
        "ceph scale: synthetic Pacific outputs for %d OSDs (%d hosts, %d down), %d pools, %d PGs "
        "(%d states, %.1f%% active+clean)\n",
        shape.osds, shape.osds / shape.osds_per_host, shape.down, shape.pools, shape.pgs, states,
        100.0 * sum.by_state["active+clean"] / shape.pgs);
  }
  std::printf("outputs (bytes):");
  size_t total = 0;
  for (const CommandSpec* c : Commands(true)) {
    const size_t n = cluster.Bytes(c->name);
    total += n;
    if (n > 0) {
      std::printf(" %s=%zu", std::string(c->name).c_str(), n);
    }
  }
  std::printf(" total=%zu\n", total);
  std::printf(
      "counted: cpu = process CPU time (CLOCK_PROCESS_CPUTIME_ID) of one RefreshOnce, all threads; "
      "peak heap = highest "
      "live bytes through operator new in the whole process during it, counting the command "
      "replies (allocated "
      "just before, handed over as librados would), the state kept from earlier refreshes and all "
      "the refresh "
      "allocates; not counted: the fake cluster's stored outputs (malloc), librados' own memory\n");
  std::printf("idle heap before any refresh: %.2f MiB\n",
              static_cast<double>(g_live.load()) / kMib);

  std::FILE* devnull = std::fopen("/dev/null", "w");
  swarmscope::Logger log(swarmscope::LogLevel::kError, swarmscope::LogFormat::kLogfmt, devnull);
  swarmscope::NodeRole node("", "", swarmscope::ClusterMetrics::kAlways);
  Errors errors;
  const auto no_connect = [] { return std::unique_ptr<swarmscope::ceph::Cluster>(); };

  // First refreshes: a fresh ClusterRefresh each time. Steady state: one more ClusterRefresh,
  // refreshed once, then again and again with nothing changed.
  std::vector<Sample> first;
  for (int i = 0; i < iterations; ++i) {
    ClusterRefresh refresh(no_connect, {}, node, errors, log);
    first.push_back(Refresh(refresh, cluster, errors, true));
  }
  std::vector<Sample> steady;
  std::string text;
  {
    ClusterRefresh refresh(no_connect, {}, node, errors, log);
    Refresh(refresh, cluster, errors, true);
    for (int i = 0; i < iterations; ++i) {
      steady.push_back(Refresh(refresh, cluster, errors, false));
    }
    text = *refresh.Snapshot().text;
  }
  std::printf("median of %d refreshes (RefreshOnce: send, parse, render):\n", iterations);
  Report("first", first);
  Report("steady", steady);
  Check(text);
  Breakdown(cluster, iterations);

  double worst_cpu = 0;
  double worst_peak = 0;
  for (const auto* v : {&first, &steady}) {
    std::vector<double> cpu;
    for (const Sample& s : *v) {
      cpu.push_back(s.cpu_ms);
      worst_peak = std::max(worst_peak, s.peak_mib);
    }
    worst_cpu = std::max(worst_cpu, Median(cpu));
  }
  std::printf("the bars take the worse of the two: cpu median %.1f ms, peak heap max %.1f MiB\n",
              worst_cpu, worst_peak);
  Bar("ceph scale refresh cpu <= 100 ms", worst_cpu <= kBarCpuMs);
  Bar("ceph scale refresh peak heap <= 32 MiB", worst_peak <= kBarPeakMib);
  std::fclose(devnull);
  return 0;
}
