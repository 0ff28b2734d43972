#pragma once

#include "collector/exporter.h"
#include "exporters/ceph/cluster_refresh.h"

namespace swarmscope::ceph {

struct CephOptions {
  std::string config = "/etc/ceph/ceph.conf";
  std::string user = "swarmscope";
  std::string keyring = "/etc/ceph/ceph.client.swarmscope.keyring";
  std::string cluster = "ceph";
  std::string cluster_label;
  std::chrono::milliseconds refresh_interval{10000};
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds mon_op_timeout{5000};
  std::chrono::milliseconds osd_op_timeout{5000};
  std::string admin_socket_dir = "/var/run/ceph";
  bool daemon_counters = true;
  std::chrono::milliseconds admin_socket_timeout{2000};
};

/// The ceph exporter: the cluster-wide families of the ceph-mgr prometheus module from
/// librados (on the node that writes cluster series), and this node's daemons' counters from
/// their admin sockets. `connect` replaces librados (tests).
ExporterSpec CephExporterSpec(
    std::function<std::unique_ptr<Cluster>(const CephOptions&)> connect = {});

}  // namespace swarmscope::ceph
