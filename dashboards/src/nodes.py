"""Nodes: node-exporter's host metrics per swarm node, by the node's name.

node-exporter runs as a global service; its targets carry the swarm node as the target
labels swarm_node_id and swarm_node_name (stacks/monitoring/prometheus/prometheus.yml), and
its instance is the node's hostname, the instance of the node's swarmscope target too,
which carries node_meta: the role and availability come from the leader's swarm series.
"""
from grafana import (bargauge, dashboard, leader, override, query_var, row, stat, table, target,
                     timeseries)

UID = "swarmscope-nodes"
NE = 'job="node-exporter",swarm_node_name=~"$node"'
FS = NE + ',fstype!~"tmpfs|overlay|squashfs|nsfs|ramfs|autofs|fuse.*",mountpoint!="/rootfs"'
IDLE = NE + ',mode="idle"'
BUSY = NE + ',mode!="idle"'
CPUS = "count by (swarm_node_name) (node_cpu_seconds_total{" + IDLE + "})"
NIC = NE + ',device!~"lo|veth.*|docker.*|br-.*|vxlan.*|cali.*|flannel.*"'


def ne(metric, selector=NE):
    return metric + "{" + selector + "}"


def build():
    rate = "[$__rate_interval]"
    idle = f'rate({ne("node_cpu_seconds_total", IDLE)}{rate})'
    return dashboard(
        UID, "Swarm nodes",
        "node-exporter's host metrics for each swarm node, by the node's name: CPU, load, "
        "memory, disks, filesystems and network.",
        [
            row("Nodes"),
            table("Nodes", "Each node's swarm role and availability (the leader's swarm series, "
                  "joined on the node's name), CPUs, memory, uptime and load.",
                  ["max by (swarm_node_name, role, availability, state) (label_replace("
                   + leader("docker_swarm_node_info") + ', "swarm_node_name", "$1", "hostname", "(.*)"))'
                   + ' * on(swarm_node_name) group_left() max by (swarm_node_name) ('
                   + ne("node_uname_info") + ")",
                   CPUS,
                   f'max by (swarm_node_name) ({ne("node_memory_MemTotal_bytes")})',
                   f'max by (swarm_node_name) (time() - {ne("node_boot_time_seconds")})',
                   f'max by (swarm_node_name) ({ne("node_load5")})'],
                  "none", h=7,
                  columns={"swarm_node_name": "Node", "role": "Role", "availability": "Availability",
                           "state": "State", "Value #B": "CPUs", "Value #C": "Memory",
                           "Value #D": "Uptime", "Value #E": "Load 5m"},
                  overrides=[override("Memory", unit="bytes"), override("Uptime", unit="s")]),
            row("CPU and load"),
            timeseries("CPU busy", "Share of CPU time not idle, per node (all cores).",
                       [target(f"1 - avg by (swarm_node_name) ({idle})", "{{swarm_node_name}}")],
                       "percentunit", max1=True),
            timeseries("CPU by mode", "CPU time per mode (user, system, iowait, steal, ...), as "
                       "a share of the node's cores.",
                       [target(f'sum by (swarm_node_name, mode) (rate({ne("node_cpu_seconds_total", BUSY)}{rate}))'
                               " / on(swarm_node_name) group_left() " + CPUS,
                               "{{swarm_node_name}} {{mode}}")], "percentunit", stack=True),
            timeseries("Load per CPU", "The 1 and 5 minute load averages divided by the node's CPUs: "
                       "above 1 means runnable tasks wait.",
                       [target(f'max by (swarm_node_name) ({ne("node_load1")}) / on(swarm_node_name) ' + CPUS,
                               "{{swarm_node_name}} 1m"),
                        target(f'max by (swarm_node_name) ({ne("node_load5")}) / on(swarm_node_name) ' + CPUS,
                               "{{swarm_node_name}} 5m")], "short"),
            timeseries("Pressure stalls", "Share of time some task waited for CPU, memory or I/O "
                       "(the kernel's PSI, /proc/pressure).",
                       [target(f'rate({ne("node_pressure_cpu_waiting_seconds_total")}{rate})', "{{swarm_node_name}} cpu"),
                        target(f'rate({ne("node_pressure_memory_waiting_seconds_total")}{rate})', "{{swarm_node_name}} memory"),
                        target(f'rate({ne("node_pressure_io_waiting_seconds_total")}{rate})', "{{swarm_node_name}} io")],
                       "percentunit"),
            row("Memory"),
            timeseries("Memory used", "Memory not available to new work: MemTotal - MemAvailable.",
                       [target(f'{ne("node_memory_MemTotal_bytes")} - {ne("node_memory_MemAvailable_bytes")}',
                               "{{swarm_node_name}}")], "bytes"),
            timeseries("Memory used share", "1 - MemAvailable / MemTotal, per node.",
                       [target(f'1 - {ne("node_memory_MemAvailable_bytes")} / {ne("node_memory_MemTotal_bytes")}',
                               "{{swarm_node_name}}")], "percentunit", max1=True),
            timeseries("Swap used", "SwapTotal - SwapFree, per node.",
                       [target(f'{ne("node_memory_SwapTotal_bytes")} - {ne("node_memory_SwapFree_bytes")}',
                               "{{swarm_node_name}}")], "bytes"),
            timeseries("Major page faults", "Page faults that had to read from disk, per second.",
                       [target(f'rate({ne("node_vmstat_pgmajfault")}{rate})', "{{swarm_node_name}}")], "short"),
            row("Disks and filesystems"),
            bargauge("Filesystem used", "Share of each filesystem used (1 - avail / size), "
                     "excluding pseudo and container filesystems.",
                     [target(f'1 - {ne("node_filesystem_avail_bytes", FS)} / {ne("node_filesystem_size_bytes", FS)}',
                             "{{swarm_node_name}} {{mountpoint}}")],
                     "percentunit", steps=("green", (0.8, "orange"), (0.9, "red")), max_=1),
            timeseries("Filesystem available", "Bytes available to unprivileged users.",
                       [target(ne("node_filesystem_avail_bytes", FS), "{{swarm_node_name}} {{mountpoint}}")], "bytes"),
            timeseries("Disk throughput", "Bytes read (positive) and written, per node and device.",
                       [target(f'rate({ne("node_disk_read_bytes_total")}{rate})', "{{swarm_node_name}} {{device}} read"),
                        target(f'rate({ne("node_disk_written_bytes_total")}{rate})', "{{swarm_node_name}} {{device}} written")],
                       "Bps"),
            timeseries("Disk busy", "Share of time the device had I/O in flight (io_time).",
                       [target(f'rate({ne("node_disk_io_time_seconds_total")}{rate})', "{{swarm_node_name}} {{device}}")],
                       "percentunit"),
            row("Network"),
            timeseries("Network received", "Bytes received per second on the physical interfaces "
                       "(not loopback, veth or bridges).",
                       [target(f'rate({ne("node_network_receive_bytes_total", NIC)}{rate})',
                               "{{swarm_node_name}} {{device}}")], "Bps"),
            timeseries("Network sent", "Bytes sent per second on the physical interfaces.",
                       [target(f'rate({ne("node_network_transmit_bytes_total", NIC)}{rate})',
                               "{{swarm_node_name}} {{device}}")], "Bps"),
            timeseries("Network errors and drops", "Receive and transmit errors and drops per second.",
                       [target(f'rate({ne("node_network_receive_errs_total", NIC)}{rate}) + '
                               f'rate({ne("node_network_transmit_errs_total", NIC)}{rate})', "{{swarm_node_name}} {{device}} errors"),
                        target(f'rate({ne("node_network_receive_drop_total", NIC)}{rate}) + '
                               f'rate({ne("node_network_transmit_drop_total", NIC)}{rate})', "{{swarm_node_name}} {{device}} drops")],
                       "pps"),
            stat("Nodes reporting", "node-exporter targets up, of those Prometheus found.",
                 [f'sum(up{{{NE}}})'], "none", w=6),
            stat("Nodes with swarmscope", "Nodes whose node-exporter series join swarmscope's "
                 "node_meta on(instance), the join swarmprom's node panels use.",
                 [f'count(max by (instance) ({ne("node_uname_info")}) * on(instance) group_left(node_name) node_meta)'],
                 "none", w=6),
        ],
        variables=[query_var("node", "Node", 'label_values(node_uname_info{job="node-exporter"}, swarm_node_name)')],
    )
