#include "exporters/keepalived/keepalived_exporter.h"

#include <unistd.h>

#include <algorithm>
#include <memory>
#include <set>
#include <system_error>

#include "collector/background.h"
#include "collector/node_role.h"
#include "exporters/keepalived/address_watcher.h"
#include "exporters/keepalived/dump_watcher.h"
#include "exporters/keepalived/keepalived_metrics.h"
#include "exporters/keepalived/wire_listener.h"
#include "exporters/keepalived/wire_tracker.h"

namespace swarmscope::keepalived {
namespace {

struct KeepalivedOptions {
  std::vector<std::string> vips;
  std::vector<std::string> interfaces;
  std::vector<std::string> vrids;
  bool wire = true;
  std::string dump_dir;
  std::chrono::milliseconds dump_max_age{60000};
  std::chrono::milliseconds forget_after{600000};
};

std::string HostName() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) {
    return "";
  }
  return name;
}

std::vector<int> ParseVrids(const std::vector<std::string>& texts) {
  std::vector<int> out;
  for (const auto& t : texts) {
    size_t used = 0;
    int v = -1;
    try {
      v = std::stoi(t, &used);
    } catch (const std::exception&) {
    }
    if (used != t.size() || v < 1 || v > 255) {
      throw std::invalid_argument("--keepalived.vrids: '" + t + "' is not a VRID (1-255)");
    }
    out.push_back(v);
  }
  return out;
}

// Everything runs in background tasks that follow the kernel (netlink, the wire) and the
// dump directory; a scrape renders what they know.
class KeepalivedExporter : public Exporter {
 public:
  KeepalivedExporter(ExporterDeps& deps, const KeepalivedOptions& o)
      : node_(deps.node),
        errors_(deps.errors),
        options_(o),
        vrids_(ParseVrids(o.vrids)),
        tracker_(std::chrono::duration_cast<std::chrono::seconds>(o.forget_after)) {
    deps.tasks.Spawn("addresses", [this](std::stop_token stop) {
      auto watcher = std::make_unique<AddressWatcher>();
      OpenOrReport(*watcher, "netlink");
      {
        std::lock_guard lock(mu_);
        addresses_ = watcher.get();
        addresses_owner_ = std::move(watcher);
      }
      addresses_->Run(stop);
    });
    if (o.wire) {
      deps.tasks.Spawn("wire", [this](std::stop_token stop) {
        std::set<std::string> interfaces(options_.interfaces.begin(), options_.interfaces.end());
        WireListener listener(
            interfaces,
            [this](const WirePacket& p, const VrrpAdvert& a) {
              tracker_.Observe(p.interface, p.outgoing, a, p.steady, p.wall);
            },
            [this](std::string_view cause, uint64_t count) {
              std::lock_guard lock(mu_);
              wire_errors_[std::string(cause)] += count;
            });
        OpenOrReport(listener, "wire");
        wire_up_ = true;
        listener.Run(stop);
      });
    }
    if (!o.dump_dir.empty()) {
      dumps_ = std::make_unique<DumpWatcher>(o.dump_dir, deps.errors);
      deps.tasks.Spawn("dumps", [this](std::stop_token stop) { dumps_->Run(stop); });
    }
  }

  bool NeverBlocks() const override { return true; }

  bool Collect(ScrapeContext& ctx, MetricWriter& out) override {
    KeepalivedView view;
    const NodeFacts facts = node_.Facts();
    view.node_name = facts.name.empty() ? HostName() : facts.name;
    view.vrids = vrids_;
    bool ok = true;
    {
      std::lock_guard lock(mu_);
      if (addresses_ != nullptr && addresses_->ready()) {
        view.addresses = addresses_->Snapshot();
      } else {
        ok = false;
      }
      view.wire_errors = wire_errors_;
    }
    if (options_.wire) {
      if (wire_up_) {
        view.wire = tracker_.View(Clock::now());
      } else {
        ok = false;
      }
    }
    std::set<std::string> vips(options_.vips.begin(), options_.vips.end());
    for (auto& a : tracker_.AdvertisedAddresses()) {
      vips.insert(std::move(a));
    }
    if (dumps_) {
      view.dumps = dumps_->Snapshot();
      const auto& d = *view.dumps;
      const auto newest = std::max(d.data ? d.data_time : WallClock::time_point{},
                                   d.json ? d.json_time : WallClock::time_point{});
      view.dumps_current = (d.data || d.json) && WallClock::now() - newest <= options_.dump_max_age;
      if (newest.time_since_epoch().count() > 0) {
        ctx.SetDataTime(newest);
      }
      const auto add_vips = [&](const InstanceData& i) {
        for (const auto& v : i.vips) {
          vips.insert(v.address);
        }
      };
      if (d.data) {
        std::for_each(d.data->instances.begin(), d.data->instances.end(), add_vips);
      } else if (d.json) {
        for (const auto& j : *d.json) {
          add_vips(j.data);
        }
      }
    }
    view.vips.assign(vips.begin(), vips.end());
    WriteKeepalived(view, out);
    return ok;
  }

 private:
  // A listener that cannot open (no CAP_NET_RAW, no host network) is reported once per
  // attempt; the task backstop retries it with backoff.
  template <typename Listener>
  void OpenOrReport(Listener& l, const char* what) {
    try {
      l.Open();
    } catch (const std::system_error& e) {
      errors_.Report(std::string(what) + "_unavailable", "a keepalived listener cannot start",
                     {{"listener", what}, {"error", e.what()}});
      throw;
    }
  }

  NodeRole& node_;
  ErrorReporter& errors_;
  KeepalivedOptions options_;
  std::vector<int> vrids_;
  WireTracker tracker_;
  std::atomic<bool> wire_up_{false};
  std::unique_ptr<DumpWatcher> dumps_;
  std::mutex mu_;
  std::unique_ptr<AddressWatcher> addresses_owner_;  // guarded by mu_
  AddressWatcher* addresses_ = nullptr;              // guarded by mu_
  std::map<std::string, uint64_t> wire_errors_;      // guarded by mu_
};

}  // namespace

ExporterSpec KeepalivedExporterSpec() {
  OptionTable<KeepalivedOptions> options;
  options
      .Add(&KeepalivedOptions::vips, "vips",
           "Virtual IPs whose presence on this node is reported (besides those the adverts "
           "and dumps name), comma-separated.")
      .Add(&KeepalivedOptions::interfaces, "interfaces",
           "Only the adverts seen on these interfaces (default: all of this network "
           "namespace's).")
      .Add(&KeepalivedOptions::vrids, "vrids", "Only these VRIDs (default: all).")
      .Add(&KeepalivedOptions::wire, "wire",
           "Watch the VRRP adverts on the wire (AF_PACKET; needs CAP_NET_RAW and the host's "
           "network namespace).")
      .Add(&KeepalivedOptions::dump_dir, "dump-dir",
           "Where the keepalived deployment leaves keepalived.data/.stats/.json (its TMPDIR); "
           "read when complete, never signalled. Empty: no dumps.")
      .Add(&KeepalivedOptions::dump_max_age, "dump-max-age",
           "keepalived_up is 0 when the newest data dump is older than this.")
      .Add(&KeepalivedOptions::forget_after, "forget-after",
           "A VRRP source silent this long is dropped with its series.");
  return DefineExporter(
      "keepalived",
      "keepalived VRRP: which node holds each virtual IP (rtnetlink), the adverts on the "
      "wire (who is master, none, two) and keepalived's own dumps when shared",
      false, options,
      [](ExporterDeps& deps, const KeepalivedOptions& o) {
        return std::make_unique<KeepalivedExporter>(deps, o);
      },
      KeepalivedMetricSpecs);
}

}  // namespace swarmscope::keepalived
