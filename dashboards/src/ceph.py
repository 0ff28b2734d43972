"""Ceph: the ceph collector's series, under the mgr prometheus module's names, following what
Ceph's own dashboards show (health, capacity, OSDs, pools, PGs, client and recovery I/O,
CephFS). The cluster-wide families are written by one collector (the leader's) and are
aggregated without its target labels; the per-daemon counters (ceph_osd_op_*, ceph_mds_*)
come from every node's admin sockets."""
from grafana import (dashboard, leader, override, query_var, row, stat, state_timeline, table, target,
                     timeseries)

UID = "swarmscope-ceph"
RATE = "[$__rate_interval]"
POOL = 'pool_id=~"$pool"'
OSD = 'ceph_daemon=~"$osd"'
HEALTH = {"0": ("HEALTH_OK", "green"), "1": ("HEALTH_WARN", "orange"), "2": ("HEALTH_ERR", "red")}
# Pool series get the pool's name from ceph_pool_metadata.
NAMED = " * on(pool_id) group_left(name) " + leader("ceph_pool_metadata")


def cl(metric, selector=""):
    """A cluster-wide series without the writer's target labels."""
    return leader(metric + ("{" + selector + "}" if selector else ""))


def pool_rate(metric):
    return f"{leader(f'rate({metric}{{{POOL}}}{RATE})')}{NAMED}"


def pgs(state):
    return f"sum({cl('ceph_pg_' + state, POOL)})"


def daemon_latency(counter, selector):
    return (f"rate({counter}_sum{{{selector}}}{RATE}) / "
            f"(rate({counter}_count{{{selector}}}{RATE}) > 0)")


def build():
    return dashboard(
        UID, "Ceph cluster",
        "The Ceph cluster from swarmscope's ceph collector (the mgr prometheus module's names): "
        "health and checks, capacity, OSDs, pools, placement groups, client and recovery I/O, "
        "CephFS.",
        [
            row("Health"),
            stat("Health", "The cluster's health status.", [cl("ceph_health_status")], "none",
                 mapping=HEALTH, steps=("green", (1, "orange"), (2, "red")), color_mode="background"),
            stat("Monitors in quorum", "Monitors in the quorum, of those in the monitor map.",
                 [f"sum({cl('ceph_mon_quorum_status')})"], "none"),
            stat("OSDs up", "OSDs up, of those in the OSD map.",
                 [f"sum({cl('ceph_osd_up')})"], "none"),
            stat("OSDs down", "OSDs in the map but not up.",
                 [f"count({cl('ceph_osd_up')} == 0) or vector(0)"], "none", steps=("green", (1, "red"))),
            stat("OSDs out", "OSDs not in (no data mapped to them).",
                 [f"count({cl('ceph_osd_in')} == 0) or vector(0)"], "none", steps=("green", (1, "orange"))),
            stat("Slow ops", "Requests older than the daemons' complaint time (SLOW_OPS).",
                 [f"{cl('ceph_healthcheck_slow_ops')}"], "none", steps=("green", (1, "red"))),
            table("Active health checks", "The health checks active now, with their severity "
                  "(ceph health detail shows the messages).",
                  [f"max by (name, severity) ({cl('ceph_health_detail')}) == 1"], "none", w=12, h=6,
                  columns={"name": "Check", "severity": "Severity"}),
            state_timeline("Health over time", "The health status over the time range.",
                           [target(cl("ceph_health_status"), "health")], HEALTH, w=12, h=6),
            row("Capacity"),
            stat("Raw capacity used", "Raw bytes used of the cluster's total (all replicas).",
                 [f"{cl('ceph_cluster_total_used_raw_bytes')} / {cl('ceph_cluster_total_bytes')}"],
                 "percentunit", w=6, steps=("green", (0.75, "orange"), (0.85, "red"))),
            stat("Raw capacity", "The cluster's total raw bytes.", [cl("ceph_cluster_total_bytes")],
                 "bytes", w=6),
            timeseries("Raw capacity over time", "Raw bytes used and total.",
                       [target(cl("ceph_cluster_total_used_raw_bytes"), "used"),
                        target(cl("ceph_cluster_total_bytes"), "total")], "bytes"),
            row("OSDs"),
            table("OSDs", "Each OSD: up, in, weight, host and device class.",
                  [f"max by (ceph_daemon, hostname, device_class) ({cl('ceph_osd_metadata', OSD)})",
                   f"max by (ceph_daemon) ({cl('ceph_osd_up', OSD)})",
                   f"max by (ceph_daemon) ({cl('ceph_osd_in', OSD)})",
                   f"max by (ceph_daemon) ({cl('ceph_osd_weight', OSD)})"],
                  "none", w=12,
                  columns={"ceph_daemon": "OSD", "hostname": "Host", "device_class": "Class",
                           "Value #B": "Up", "Value #C": "In", "Value #D": "Weight"}),
            timeseries("OSD apply and commit latency", "The OSDs' apply and commit latencies as the "
                       "mgr reports them (osd perf).",
                       [target(cl("ceph_osd_apply_latency_ms", OSD), "{{ceph_daemon}} apply"),
                        target(cl("ceph_osd_commit_latency_ms", OSD), "{{ceph_daemon}} commit")], "ms"),
            timeseries("OSD read and write latency", "Average latency of client reads and writes per "
                       "OSD, from the daemons' counters (admin sockets).",
                       [target(daemon_latency("ceph_osd_op_r_latency", OSD), "{{ceph_daemon}} read"),
                        target(daemon_latency("ceph_osd_op_w_latency", OSD), "{{ceph_daemon}} write")], "s"),
            timeseries("OSD utilisation", "Bytes used of each OSD's capacity.",
                       [target(f"ceph_osd_stat_bytes_used{{{OSD}}} / (ceph_osd_stat_bytes{{{OSD}}} > 0)",
                               "{{ceph_daemon}}")], "percentunit", max1=True),
            row("Pools"),
            table("Pools", "Each pool: bytes stored, share of its capacity used, bytes it can still "
                  "take, objects.",
                  [f"max by (pool_id, name, type) ({cl('ceph_pool_metadata', POOL)})",
                   f"max by (pool_id) ({cl('ceph_pool_stored', POOL)})",
                   f"max by (pool_id) ({cl('ceph_pool_percent_used', POOL)})",
                   f"max by (pool_id) ({cl('ceph_pool_max_avail', POOL)})",
                   f"max by (pool_id) ({cl('ceph_pool_objects', POOL)})"],
                  "none",
                  columns={"name": "Pool", "pool_id": "Id", "type": "Type", "Value #B": "Stored",
                           "Value #C": "Used", "Value #D": "Available", "Value #E": "Objects"},
                  overrides=[override("Stored", unit="bytes"), override("Available", unit="bytes"),
                             override("Used", unit="percentunit")]),
            timeseries("Client throughput by pool", "Bytes read and written per second, per pool.",
                       [target(pool_rate("ceph_pool_rd_bytes"), "{{name}} read"),
                        target(pool_rate("ceph_pool_wr_bytes"), "{{name}} write")], "Bps"),
            timeseries("Client operations by pool", "Read and write operations per second, per pool.",
                       [target(pool_rate("ceph_pool_rd"), "{{name}} read"),
                        target(pool_rate("ceph_pool_wr"), "{{name}} write")], "iops"),
            timeseries("Stored by pool", "Bytes stored per pool (before replication).",
                       [target(f"{cl('ceph_pool_stored', POOL)}{NAMED}", "{{name}}")], "bytes"),
            timeseries("Recovery", "Recovery throughput over the pools (bytes and objects per second).",
                       [target(f"sum({cl('ceph_pool_recovering_bytes_per_sec', POOL)})", "bytes/s"),
                        target(f"sum({cl('ceph_pool_recovering_objects_per_sec', POOL)})", "objects/s")],
                       "short"),
            row("Placement groups"),
            stat("PGs", "Placement groups of the selected pools.", [pgs("total")], "none"),
            stat("PGs not active", "PGs that cannot serve I/O.",
                 [f"{pgs('total')} - {pgs('active')}"], "none", steps=("green", (1, "red"))),
            stat("PGs not clean", "PGs not active+clean (degraded, recovering, remapped, ...).",
                 [f"{pgs('total')} - {pgs('clean')}"], "none", steps=("green", (1, "orange"))),
            stat("Objects degraded", "Objects with fewer copies than wanted.",
                 [cl("ceph_num_objects_degraded")], "none", steps=("green", (1, "orange"))),
            stat("Objects misplaced", "Objects not where CRUSH wants them.",
                 [cl("ceph_num_objects_misplaced")], "none", steps=("green", (1, "blue"))),
            stat("Objects unfound", "Objects no OSD has a current copy of.",
                 [cl("ceph_num_objects_unfound")], "none", steps=("green", (1, "red"))),
            timeseries("PG states", "PGs per state over the selected pools (a PG counts in each of "
                       "its states).",
                       [target(pgs(s), s) for s in ("active", "clean", "degraded", "undersized",
                                                    "peering", "recovering", "backfilling",
                                                    "remapped", "stale", "inconsistent", "scrubbing")],
                       "none", legend_table=True),
            timeseries("Degraded and misplaced objects", "Objects degraded, misplaced and unfound.",
                       [target(cl("ceph_num_objects_degraded"), "degraded"),
                        target(cl("ceph_num_objects_misplaced"), "misplaced"),
                        target(cl("ceph_num_objects_unfound"), "unfound")], "none"),
            row("CephFS and monitors"),
            table("MDS daemons", "The metadata servers, their file system and rank.",
                  [f"max by (ceph_daemon, fs_id, hostname, rank) ({cl('ceph_mds_metadata')})"],
                  "none", w=12, columns={"ceph_daemon": "MDS", "fs_id": "FS", "hostname": "Host",
                                         "rank": "Rank"}),
            timeseries("MDS requests", "Client requests per second per MDS (daemon counters).",
                       [target(f"rate(ceph_mds_request{RATE})", "{{ceph_daemon}}")], "reqps"),
            timeseries("MDS reply latency", "Average reply latency per MDS.",
                       [target(daemon_latency("ceph_mds_reply_latency", 'ceph_daemon=~"mds.*"'), "{{ceph_daemon}}")],
                       "s"),
            timeseries("MDS inodes and caps", "Inodes in cache and capabilities held by clients, per MDS.",
                       [target("ceph_mds_inodes", "{{ceph_daemon}} inodes"),
                        target("ceph_mds_caps", "{{ceph_daemon}} caps")], "none"),
            timeseries("Monitor sessions", "Open sessions per monitor (daemon counters).",
                       [target("ceph_mon_num_sessions", "{{ceph_daemon}}")], "none"),
        ],
        variables=[
            query_var("pool", "Pool", "label_values(ceph_pool_metadata, pool_id)"),
            query_var("osd", "OSD", "label_values(ceph_osd_up, ceph_daemon)"),
        ],
    )
