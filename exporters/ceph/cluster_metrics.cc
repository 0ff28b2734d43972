#include "exporters/ceph/cluster_metrics.h"

#include <map>
#include <string>

#include "exporters/ceph/cluster_specs.h"

namespace swarmscope::ceph {
namespace {

LabelSet With(const LabelSet& base) { return base; }

std::string Daemon(std::string_view type, std::string_view id) {
  return std::string(type) + "." + std::string(id);
}

const DaemonInfo& InfoOf(const DaemonInfos& infos, std::string_view id) {
  static const DaemonInfo kNone;
  const auto it = infos.find(id);
  return it == infos.end() ? kNone : it->second;
}

void WriteHealth(const ClusterData& d, const LabelSet& base, MetricWriter& out) {
  if (!d.health) {
    return;
  }
  const Health& h = *d.health;
  out.Family(ClusterSpec("ceph_health_status")).Add(base, h.status);
  FamilyWriter& detail = out.Family(ClusterSpec("ceph_health_detail"));
  // Every check seen stays, at 0 once it cleared (the module's health history).
  HealthHistory all = d.history;
  for (const auto& [name, severity] : h.checks) {
    all[name] = severity;
  }
  for (const auto& [name, severity] : all) {
    LabelSet l = With(base);
    l.Add("name", name).Add("severity", severity);
    detail.Add(l, h.checks.contains(name) ? 1 : 0);
  }
  out.Family(ClusterSpec("ceph_healthcheck_slow_ops")).Add(base, h.slow_ops.value_or(0));
}

void WriteMons(const ClusterData& d, const LabelSet& base, MetricWriter& out) {
  if (!d.mons) {
    return;
  }
  FamilyWriter& quorum = out.Family(ClusterSpec("ceph_mon_quorum_status"));
  for (const auto& m : d.mons->mons) {
    LabelSet l = With(base);
    l.Add("ceph_daemon", Daemon("mon", m.name));
    quorum.Add(l, m.in_quorum ? 1 : 0);
  }
  FamilyWriter& meta = out.Family(ClusterSpec("ceph_mon_metadata"));
  for (const auto& m : d.mons->mons) {
    const DaemonInfo& info = InfoOf(d.mon_info, m.name);
    LabelSet l = With(base);
    l.Add("ceph_daemon", Daemon("mon", m.name))
        .Add("hostname", info.hostname)
        .Add("public_addr", m.public_addr)
        .Add("rank", m.rank)
        .Add("ceph_version", info.ceph_version);
    meta.Add(l, 1);
  }
}

void WriteMgrs(const ClusterData& d, const LabelSet& base, MetricWriter& out) {
  if (!d.mgrs) {
    return;
  }
  const MgrMap& m = *d.mgrs;
  std::vector<std::string> all = m.standbys;
  if (!m.active.empty()) {
    all.push_back(m.active);
  }
  FamilyWriter& meta = out.Family(ClusterSpec("ceph_mgr_metadata"));
  for (const auto& name : all) {
    const DaemonInfo& info = InfoOf(d.mgr_info, name);
    LabelSet l = With(base);
    l.Add("ceph_daemon", Daemon("mgr", name))
        .Add("hostname", info.hostname)
        .Add("ceph_version", info.ceph_version);
    meta.Add(l, 1);
  }
  FamilyWriter& status = out.Family(ClusterSpec("ceph_mgr_status"));
  for (const auto& name : all) {
    LabelSet l = With(base);
    l.Add("ceph_daemon", Daemon("mgr", name));
    status.Add(l, name == m.active ? 1 : 0);
  }
  // The always-on set of the active mgr's release (the newest listed when unknown).
  static const std::set<std::string, std::less<>> kNoModules;
  const std::string& release = InfoOf(d.mgr_info, m.active).ceph_release;
  const auto always_it = m.always_on.find(release);
  const auto& always = always_it != m.always_on.end() ? always_it->second
                       : m.always_on.empty()          ? kNoModules
                                                      : m.always_on.rbegin()->second;
  FamilyWriter& module_status = out.Family(ClusterSpec("ceph_mgr_module_status"));
  for (const auto& mod : m.available) {
    LabelSet l = With(base);
    l.Add("name", mod.name);
    module_status.Add(l, always.contains(mod.name) ? 2 : m.enabled.contains(mod.name) ? 1 : 0);
  }
  FamilyWriter& can_run = out.Family(ClusterSpec("ceph_mgr_module_can_run"));
  for (const auto& mod : m.available) {
    LabelSet l = With(base);
    l.Add("name", mod.name);
    can_run.Add(l, mod.can_run ? 1 : 0);
  }
}

void WriteFs(const ClusterData& d, const LabelSet& base, MetricWriter& out) {
  if (!d.fs) {
    return;
  }
  FamilyWriter& fs = out.Family(ClusterSpec("ceph_fs_metadata"));
  for (const auto& f : d.fs->filesystems) {
    LabelSet l = With(base);
    l.Add("data_pools", f.data_pools)
        .Add("fs_id", f.id)
        .Add("metadata_pool", f.metadata_pool)
        .Add("name", f.name);
    fs.Add(l, 1);
  }
  FamilyWriter& mds = out.Family(ClusterSpec("ceph_mds_metadata"));
  for (const auto& m : d.fs->mds) {
    const DaemonInfo& info = InfoOf(d.mds_info, m.name);
    LabelSet l = With(base);
    l.Add("ceph_daemon", Daemon("mds", m.name))
        .Add("fs_id", m.fs_id)
        .Add("hostname", info.hostname)
        .Add("public_addr", m.addr)
        .Add("rank", m.rank)
        .Add("ceph_version", info.ceph_version);
    mds.Add(l, 1);
  }
}

void WriteOsds(const ClusterData& d, const LabelSet& base, MetricWriter& out) {
  if (!d.osds) {
    return;
  }
  const OsdMap& map = *d.osds;
  for (std::string_view flag : kOsdFlags) {
    std::string name = "ceph_osd_flag_" + std::string(flag);
    for (char& c : name) {
      c = c == '-' ? '_' : c;
    }
    out.Family(ClusterSpec(name)).Add(base, map.flags.contains(flag) ? 1 : 0);
  }
  // As the module: an OSD without addresses, outside the CRUSH map or without metadata has
  // no metadata or status series.
  struct Row {
    const OsdMap::Osd* osd;
    const DaemonInfo* info;
    std::string device_class;
    std::string daemon;
  };
  std::vector<Row> rows;
  if (d.crush && d.have_osd_info) {
    for (const auto& o : map.osds) {
      if (o.public_addr == "-" || o.cluster_addr == "-") {
        continue;
      }
      const auto cls = d.crush->find(o.id);
      const auto info = d.osd_info.find(std::to_string(o.id));
      if (cls == d.crush->end() || info == d.osd_info.end()) {
        continue;
      }
      rows.push_back({&o, &info->second, cls->second, Daemon("osd", std::to_string(o.id))});
    }
  }
  if (!rows.empty()) {
    FamilyWriter& meta = out.Family(ClusterSpec("ceph_osd_metadata"));
    for (const Row& r : rows) {
      LabelSet l = With(base);
      l.Add("back_iface", r.info->back_iface)
          .Add("ceph_daemon", r.daemon)
          .Add("cluster_addr", r.osd->cluster_addr)
          .Add("device_class", r.device_class)
          .Add("front_iface", r.info->front_iface)
          .Add("hostname", r.info->hostname)
          .Add("objectstore", r.info->objectstore)
          .Add("public_addr", r.osd->public_addr)
          .Add("ceph_version", r.info->ceph_version);
      meta.Add(l, 1);
    }
    for (std::string_view state : {"weight", "up", "in"}) {
      FamilyWriter& f = out.Family(ClusterSpec("ceph_osd_" + std::string(state)));
      for (const Row& r : rows) {
        LabelSet l = With(base);
        l.Add("ceph_daemon", r.daemon);
        f.Add(l, state == "weight" ? r.osd->weight : state == "up" ? r.osd->up : r.osd->in);
      }
    }
    FamilyWriter& disk = out.Family(ClusterSpec("ceph_disk_occupation"));
    // device, instance -> daemons, for the _human family.
    std::map<std::pair<std::string, std::string>, std::string> human;
    for (const Row& r : rows) {
      if (r.info->dev_node.empty() || r.info->hostname.empty()) {
        continue;
      }
      LabelSet l = With(base);
      l.Add("ceph_daemon", r.daemon)
          .Add("device", r.info->dev_node)
          .Add("db_device", r.info->db_dev_node)
          .Add("wal_device", r.info->wal_dev_node)
          .Add("instance", r.info->hostname)
          .Add("devices", r.info->devices.empty() ? "N/A" : r.info->devices)
          .Add("device_ids", r.info->device_ids.empty() ? "N/A" : r.info->device_ids);
      disk.Add(l, 1);
      std::string& daemons = human[{r.info->dev_node, r.info->hostname}];
      daemons += daemons.empty() ? r.daemon : ", " + r.daemon;
    }
    FamilyWriter& disk_human = out.Family(ClusterSpec("ceph_disk_occupation_human"));
    for (const auto& [key, daemons] : human) {
      LabelSet l = With(base);
      l.Add("ceph_daemon", daemons).Add("device", key.first).Add("instance", key.second);
      disk_human.Add(l, 1);
    }
  }
  FamilyWriter& pools = out.Family(ClusterSpec("ceph_pool_metadata"));
  for (const auto& p : map.pools) {
    LabelSet l = With(base);
    l.Add("pool_id", std::to_string(p.id))
        .Add("name", p.name)
        .Add("type", p.type)
        .Add("description", p.description)
        .Add("compression_mode", p.compression_mode);
    pools.Add(l, 1);
  }
}

void WriteOsdPerf(const ClusterData& d, const LabelSet& base, MetricWriter& out) {
  if (!d.osd_perf) {
    return;
  }
  for (bool apply : {true, false}) {
    FamilyWriter& f =
        out.Family(ClusterSpec(apply ? "ceph_osd_apply_latency_ms" : "ceph_osd_commit_latency_ms"));
    for (const auto& p : *d.osd_perf) {
      LabelSet l = With(base);
      l.Add("ceph_daemon", Daemon("osd", std::to_string(p.id)));
      f.Add(l, apply ? p.apply_latency_ms : p.commit_latency_ms);
    }
  }
}

LabelSet Pool(const LabelSet& base, int64_t id) {
  LabelSet l = With(base);
  l.Add("pool_id", std::to_string(id));
  return l;
}

void WritePools(const ClusterData& d, const LabelSet& base, MetricWriter& out) {
  if (d.df) {
    out.Family(ClusterSpec("ceph_cluster_total_bytes")).Add(base, d.df->total_bytes);
    out.Family(ClusterSpec("ceph_cluster_total_used_bytes")).Add(base, d.df->total_used_bytes);
    out.Family(ClusterSpec("ceph_cluster_total_used_raw_bytes"))
        .Add(base, d.df->total_used_raw_bytes);
    std::vector<LabelSet> labels;
    for (const auto& p : d.df->pools) {
      labels.push_back(Pool(base, p.id));
    }
    for (size_t s = 0; s < kPoolDfStats.size(); ++s) {
      FamilyWriter& f = out.Family(ClusterSpec("ceph_pool_" + std::string(kPoolDfStats[s])));
      for (size_t i = 0; i < d.df->pools.size(); ++i) {
        if (d.df->pools[i].present[s]) {
          f.Add(labels[i], d.df->pools[i].stats[s]);
        }
      }
    }
  }
  if (d.pool_recovery) {
    for (size_t s = 0; s < kPoolRecoveryStats.size(); ++s) {
      FamilyWriter& f = out.Family(ClusterSpec("ceph_pool_" + std::string(kPoolRecoveryStats[s])));
      for (const auto& p : *d.pool_recovery) {
        f.Add(Pool(base, p.id), p.rates[s]);
      }
    }
  }
  if (d.repaired) {
    // The module (Pacific) labels this family `poolid`, unlike every other pool family:
    // both labels, so that queries written for it and joins on pool_id both work.
    FamilyWriter& f = out.Family(ClusterSpec("ceph_pool_objects_repaired"));
    for (const auto& [id, n] : *d.repaired) {
      LabelSet l = Pool(base, id);
      l.Add("poolid", std::to_string(id));
      f.Add(l, n);
    }
  }
}

void WritePgs(const ClusterData& d, const LabelSet& base, MetricWriter& out) {
  if (!d.pgs) {
    return;
  }
  std::vector<LabelSet> labels;
  for (const auto& [pool, states] : d.pgs->by_pool) {
    labels.push_back(Pool(base, pool));
  }
  const auto write = [&](std::string_view state) {
    FamilyWriter& f = out.Family(ClusterSpec("ceph_pg_" + std::string(state)));
    size_t i = 0;
    for (const auto& [pool, states] : d.pgs->by_pool) {
      const auto it = states.find(state);
      f.Add(labels[i++], it == states.end() ? 0 : it->second);
    }
  };
  write("total");
  for (std::string_view state : kPgStates) {
    write(state);
  }
}

void WriteObjects(const ClusterData& d, const LabelSet& base, MetricWriter& out) {
  if (!d.objects) {
    return;
  }
  out.Family(ClusterSpec("ceph_num_objects_degraded")).Add(base, d.objects->degraded);
  out.Family(ClusterSpec("ceph_num_objects_misplaced")).Add(base, d.objects->misplaced);
  out.Family(ClusterSpec("ceph_num_objects_unfound")).Add(base, d.objects->unfound);
}

}  // namespace

void WriteCluster(const ClusterData& data, const LabelSet& base, MetricWriter& out) {
  WriteHealth(data, base, out);
  WriteMons(data, base, out);
  WriteMgrs(data, base, out);
  WriteFs(data, base, out);
  WriteOsds(data, base, out);
  WriteOsdPerf(data, base, out);
  WritePools(data, base, out);
  WritePgs(data, base, out);
  WriteObjects(data, base, out);
}

}  // namespace swarmscope::ceph
