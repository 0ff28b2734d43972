#include "exporters/ceph/ceph_exporter.h"

#include <memory>

#include "collector/background.h"
#include "collector/node_role.h"
#include "exporters/ceph/cluster_metrics.h"
#include "exporters/ceph/daemon_counters.h"

namespace swarmscope::ceph {
namespace {

using Connector = std::function<std::unique_ptr<Cluster>(const CephOptions&)>;

constexpr MetricSpec kActive{"swarmscope_ceph_cluster_writer", MetricType::kGauge,
                             "1 on the node that reads and writes the cluster-wide Ceph series "
                             "(--cluster.metrics), else 0."};
constexpr MetricSpec kPending{"swarmscope_ceph_cluster_refresh_pending", MetricType::kGauge,
                              "1 until the first refresh of the cluster series has completed "
                              "(until then there is no cluster data), then 0."};
constexpr MetricSpec kConnected{"swarmscope_ceph_cluster_connected", MetricType::kGauge,
                                "1 while the librados connection to the cluster is up."};
constexpr MetricSpec kRefreshOk{"swarmscope_ceph_cluster_refresh_success", MetricType::kGauge,
                                "1 if the last refresh of the cluster series read every command."};
constexpr MetricSpec kRefreshSeconds{"swarmscope_ceph_cluster_refresh_duration_seconds",
                                     MetricType::kGauge,
                                     "How long the last refresh of the cluster series took."};
constexpr MetricSpec kCommandOk{"swarmscope_ceph_command_success", MetricType::kGauge,
                                "1 if the command succeeded in the last refresh.", "command"};
constexpr MetricSpec kCommandSeconds{"swarmscope_ceph_command_duration_seconds", MetricType::kGauge,
                                     "How long the command took in the last refresh.", "command"};

std::vector<MetricSpec> CephMetricSpecs() {
  std::vector<MetricSpec> specs = ClusterMetricSpecs();
  for (const MetricSpec& s : DaemonCounterSpecs()) {
    specs.push_back(s);
  }
  for (const MetricSpec& s :
       {kActive, kPending, kConnected, kRefreshOk, kRefreshSeconds, kCommandOk, kCommandSeconds}) {
    specs.push_back(s);
  }
  return specs;
}

class CephExporter : public Exporter {
 public:
  CephExporter(ExporterDeps& deps, const CephOptions& o, Connector connect) : node_(deps.node) {
    if (!o.cluster_label.empty()) {
      base_.Add("cluster", o.cluster_label);
    }
    RefreshOptions ro;
    ro.interval = o.refresh_interval;
    ro.base = base_;
    cluster_ = std::make_unique<ClusterRefresh>([connect, o] { return connect(o); }, ro, deps.node,
                                                deps.errors, deps.log);
    deps.tasks.Spawn("cluster", [this](std::stop_token stop) { cluster_->Run(stop); });
    if (o.daemon_counters) {
      daemons_ = std::make_unique<DaemonCounters>(o.admin_socket_dir, o.cluster,
                                                  o.admin_socket_timeout, deps.errors, base_);
      deps.tasks.Spawn("daemons", [this, interval = o.refresh_interval](std::stop_token stop) {
        RunDaemons(stop, interval);
      });
    }
  }

  bool NeverBlocks() const override { return true; }

  bool Collect(ScrapeContext& ctx, MetricWriter& out) override {
    ClusterSnapshot c = cluster_->Snapshot();
    // The role decides, not whether the task has noticed it yet: a node that writes cluster
    // series says "pending" from its first scrape on.
    c.active = node_.EmitsClusterSeries();
    std::shared_ptr<const std::string> daemon_text;
    bool daemons_ok = true;
    std::chrono::system_clock::time_point daemon_time{};
    {
      std::lock_guard lock(mu_);
      daemon_text = daemon_text_;
      daemons_ok = daemons_ok_;
      daemon_time = daemon_time_;
    }
    ctx.Serve(Combined(c.active ? c.text : nullptr, daemon_text));

    out.Family(kActive).Add(base_, c.active ? 1 : 0);
    bool ok = daemons_ok;
    if (c.active) {
      out.Family(kPending).Add(base_, c.pending ? 1 : 0);
      out.Family(kConnected).Add(base_, c.connected ? 1 : 0);
      if (!c.pending) {
        out.Family(kRefreshOk).Add(base_, c.ok ? 1 : 0);
        out.Family(kRefreshSeconds).Add(base_, c.duration_seconds);
      }
      FamilyWriter& command_ok = out.Family(kCommandOk);
      for (const auto& [name, success] : c.commands) {
        command_ok.Add(base_, "command", name, success ? 1 : 0);
      }
      FamilyWriter& command_seconds = out.Family(kCommandSeconds);
      for (const auto& [name, seconds] : c.durations) {
        command_seconds.Add(base_, "command", name, seconds);
      }
      ok = ok && !c.pending && c.ok;
      // The age of the data is the age of the last complete rendering of the cluster.
      if (c.data_time.time_since_epoch().count() > 0) {
        ctx.SetDataTime(c.data_time);
      }
    } else if (daemon_time.time_since_epoch().count() > 0) {
      ctx.SetDataTime(daemon_time);
    }
    return ok;
  }

 private:
  void RunDaemons(std::stop_token stop, std::chrono::milliseconds interval) {
    while (!stop.stop_requested()) {
      const auto started = Clock::now();
      const auto wall = std::chrono::system_clock::now();
      DaemonCounters::Result r = daemons_->Refresh();
      {
        std::lock_guard lock(mu_);
        daemon_text_ = std::move(r.text);
        daemons_ok_ = r.failed == 0;
        daemon_time_ = wall;
      }
      const auto elapsed = Clock::now() - started;
      SleepFor(stop, elapsed < interval ? interval - elapsed : Clock::duration(0));
    }
  }

  // The two renderings served as one text, made again only when either changed.
  std::shared_ptr<const std::string> Combined(std::shared_ptr<const std::string> cluster,
                                              std::shared_ptr<const std::string> daemons) {
    if (!cluster) {
      return daemons;
    }
    if (!daemons || daemons->empty()) {
      return cluster;
    }
    std::lock_guard lock(combined_mu_);
    if (combined_cluster_ != cluster || combined_daemons_ != daemons) {
      auto text = std::make_shared<std::string>();
      text->reserve(cluster->size() + daemons->size());
      *text += *cluster;
      *text += *daemons;
      combined_ = std::move(text);
      combined_cluster_ = std::move(cluster);
      combined_daemons_ = std::move(daemons);
    }
    return combined_;
  }

  NodeRole& node_;
  LabelSet base_;
  std::unique_ptr<ClusterRefresh> cluster_;
  std::unique_ptr<DaemonCounters> daemons_;

  std::mutex mu_;
  std::shared_ptr<const std::string> daemon_text_;
  bool daemons_ok_ = true;
  std::chrono::system_clock::time_point daemon_time_{};

  std::mutex combined_mu_;
  std::shared_ptr<const std::string> combined_cluster_, combined_daemons_, combined_;
};

}  // namespace

ExporterSpec CephExporterSpec(Connector connect) {
  OptionTable<CephOptions> options;
  options
      .Add(&CephOptions::config, "config",
           "The Ceph configuration file (needs the fsid and `mon host`).")
      .Add(&CephOptions::user, "user",
           "The cephx user, read-only: `mon 'allow r' mgr 'allow r'` (client. is added).")
      .Add(&CephOptions::keyring, "keyring", "The keyring holding that user's key.")
      .Add(&CephOptions::cluster, "cluster",
           "The cluster name (librados' and the admin sockets' `<cluster>-<daemon>.asok`).")
      .Add(&CephOptions::cluster_label, "cluster-label",
           "When set, a `cluster` label with this value on every Ceph series (several clusters "
           "in one Prometheus).")
      .Add(&CephOptions::refresh_interval, "refresh-interval",
           "How often the cluster and this node's daemons are read in the background; scrapes "
           "serve the last complete reading.")
      .Add(&CephOptions::connect_timeout, "connect-timeout",
           "librados client_mount_timeout: how long a connection attempt may take.")
      .Add(&CephOptions::mon_op_timeout, "mon-op-timeout",
           "librados rados_mon_op_timeout: the limit on each monitor and manager command.")
      .Add(&CephOptions::osd_op_timeout, "osd-op-timeout", "librados rados_osd_op_timeout.")
      .Add(&CephOptions::admin_socket_dir, "admin-socket-dir",
           "Where this node's Ceph daemons' admin sockets are (per-daemon counters).")
      .Add(&CephOptions::daemon_counters, "daemon-counters",
           "Read the per-daemon counters of this node's Ceph daemons from their admin sockets.")
      .Add(&CephOptions::admin_socket_timeout, "admin-socket-timeout",
           "The limit on each admin socket command.");
  return DefineExporter(
      "ceph",
      "the Ceph cluster through librados (the ceph-mgr prometheus module's names) and this "
      "node's Ceph daemons' counters from their admin sockets",
      false, options,
      [connect](ExporterDeps& deps, const CephOptions& o) {
        Connector c = connect ? connect : [](const CephOptions& opts) {
          ConnectOptions co;
          co.config = opts.config;
          co.user = opts.user;
          co.keyring = opts.keyring;
          co.cluster = opts.cluster;
          co.connect_timeout = opts.connect_timeout;
          co.mon_op_timeout = opts.mon_op_timeout;
          co.osd_op_timeout = opts.osd_op_timeout;
          return Connect(co);
        };
        return std::make_unique<CephExporter>(deps, o, std::move(c));
      },
      CephMetricSpecs);
}

}  // namespace swarmscope::ceph
