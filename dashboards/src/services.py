"""Services and containers: the cgroup collector's container_* series (cAdvisor's names) and
the docker collector's per-container state, per service, per task, per node, and top-N."""
from grafana import (bargauge, dashboard, dashboard_link, override, query_var, row, stat, table,
                     target, timeseries)

UID = "swarmscope-services"
SERVICE = "container_label_com_docker_swarm_service_name"
# The selected swarm tasks' containers (a service variable of "All" is ".+": swarm tasks only).
C = (f'container_label_com_docker_stack_namespace=~"$stack",{SERVICE}=~"$service",'
     'swarm_node_name=~"$node"')
RATE = "[$__rate_interval]"
# docker_container_* carry the container's id and name; docker_container_info adds its swarm
# labels, joined on the node's target (instance) and the id.
INFO = f"docker_container_info{{{C}}}"


def c(metric, extra=""):
    return f"{metric}{{{C}{',' + extra if extra else ''}}}"


def by_service(expr, agg="sum"):
    return f"{agg} by ({SERVICE}) ({expr})"


def docker(metric, extra="", labels=""):
    """A docker collector per-container series of the selected tasks (joined to their info)."""
    sel = f"{{{extra}}}" if extra else ""
    return f"{metric}{sel} * on(instance, id) group_left({labels or SERVICE}) {INFO}"


def build():
    svc_legend = "{{" + SERVICE + "}}"
    return dashboard(
        UID, "Services and containers",
        "Resource use of the swarm's tasks, per service, task and node: CPU and throttling, "
        "memory against limits, network, block I/O, pressure, OOM kills, restarts and health.",
        [
            row("Summary"),
            stat("Containers", "Containers of the selected tasks seen by the cgroup collector.",
                 [f'count({c("container_last_seen")})'], "none"),
            stat("CPU used", "CPU cores used by the selected tasks.",
                 [f'sum(rate({c("container_cpu_usage_seconds_total")}{RATE}))'], "short", graph=True),
            stat("Working set", "Memory working set of the selected tasks (what the kernel cannot "
                 "reclaim without swapping; what OOM decisions look at).",
                 [f'sum({c("container_memory_working_set_bytes")})'], "bytes", graph=True),
            stat("OOM kills (1h)", "Out-of-memory kills in the selected tasks' containers in the "
                 "last hour (the kernel's oom_kill count).",
                 [f'sum(increase({c("container_oom_events_total")}[1h])) or vector(0)'], "none",
                 steps=("green", (1, "red"))),
            stat("Restarts (1h)", "Times Docker restarted the selected containers in the last hour "
                 "(swarm replaces a failed task by a new container instead: see task failures "
                 "on the Swarm overview).",
                 [f'sum(increase(docker_container_restarts_total[1h]) * on(instance, id) group_left() {INFO}) or vector(0)'],
                 "none", steps=("green", (1, "orange"))),
            stat("Unhealthy", "Containers whose healthcheck reports unhealthy.",
                 [f'count((docker_container_health_status{{status="unhealthy"}} * on(instance, id) group_left() {INFO}) == 1) or vector(0)'],
                 "none", steps=("green", (1, "red"))),
            row("CPU"),
            timeseries("CPU by service", "CPU cores used, per service (all its tasks).",
                       [target(by_service(f'rate({c("container_cpu_usage_seconds_total")}{RATE})'), svc_legend)],
                       "short", stack=True),
            timeseries("CPU throttled", "Share of CFS periods in which the service's containers "
                       "were throttled by their CPU limit (only containers with a limit have periods).",
                       [target(by_service(f'rate({c("container_cpu_cfs_throttled_periods_total")}{RATE})')
                               + " / (" + by_service(f'rate({c("container_cpu_cfs_periods_total")}{RATE})') + " > 0)",
                               svc_legend)], "percentunit", max1=True),
            timeseries("CPU throttled time", "Time the service's containers spent throttled, per second.",
                       [target(by_service(f'rate({c("container_cpu_cfs_throttled_seconds_total")}{RATE})'), svc_legend)],
                       "percentunit"),
            timeseries("CPU used against limit", "CPU used divided by the CPU limit (quota / period), "
                       "per task with a limit.",
                       [target(f'sum by (name) (rate({c("container_cpu_usage_seconds_total")}{RATE})) / '
                               f'sum by (name) ({c("container_spec_cpu_quota")} / {c("container_spec_cpu_period")})',
                               "{{name}}")], "percentunit"),
            row("Memory"),
            timeseries("Working set by service", "Memory working set (usage minus inactive file pages), per service.",
                       [target(by_service(c("container_memory_working_set_bytes")), svc_legend)],
                       "bytes", stack=True),
            timeseries("Working set against limit", "Working set divided by the memory limit, per "
                       "task with a limit: the OOM killer acts near 1.",
                       [target(f'max by (name) ({c("container_memory_working_set_bytes")}) / '
                               f'max by (name) ({c("container_spec_memory_limit_bytes")} > 0)', "{{name}}")],
                       "percentunit", max1=True),
            timeseries("RSS and cache by service", "Anonymous memory (RSS) and page cache, per service.",
                       [target(by_service(c("container_memory_rss")), svc_legend + " rss"),
                        target(by_service(c("container_memory_cache")), svc_legend + " cache")], "bytes"),
            timeseries("Memory usage by service", "Memory usage including all page cache (what "
                       "memory.usage_in_bytes / memory.current report), per service.",
                       [target(by_service(c("container_memory_usage_bytes")), svc_legend)], "bytes"),
            table("Tasks: memory and CPU", "Each task's container: working set, memory limit "
                  "(0: none), CPU used and its node.",
                  [f'max by (name, {SERVICE}, swarm_node_name) ({c("container_memory_working_set_bytes")})',
                   f'max by (name, {SERVICE}, swarm_node_name) ({c("container_spec_memory_limit_bytes")})',
                   f'sum by (name, {SERVICE}, swarm_node_name) (rate({c("container_cpu_usage_seconds_total")}{RATE}))'],
                  "none", h=9,
                  columns={"name": "Task", SERVICE: "Service", "swarm_node_name": "Node",
                           "Value #A": "Working set", "Value #B": "Memory limit", "Value #C": "CPU"},
                  overrides=[override("Working set", unit="bytes"), override("Memory limit", unit="bytes")],
                  sort="Working set",
                  links=[dashboard_link("swarmscope-nodes", "Node dashboard", "node", "Node")]),
            row("Network and block I/O"),
            timeseries("Network received by service", "Bytes received per second, per service "
                       "(containers in their own network namespace).",
                       [target(by_service(f'rate({c("container_network_receive_bytes_total")}{RATE})'), svc_legend)],
                       "Bps"),
            timeseries("Network sent by service", "Bytes sent per second, per service.",
                       [target(by_service(f'rate({c("container_network_transmit_bytes_total")}{RATE})'), svc_legend)],
                       "Bps"),
            timeseries("Block I/O by service", "Bytes read and written per second, per service.",
                       [target(by_service(f'rate({c("container_fs_reads_bytes_total")}{RATE})'), svc_legend + " read"),
                        target(by_service(f'rate({c("container_fs_writes_bytes_total")}{RATE})'), svc_legend + " written")],
                       "Bps"),
            timeseries("Processes by service", "Processes and threads (pids) in the service's containers.",
                       [target(by_service(c("container_processes")), svc_legend + " processes"),
                        target(by_service(c("container_threads")), svc_legend + " threads")], "none"),
            row("Pressure"),
            timeseries("CPU pressure", "Share of time some task of the service waited for a CPU (PSI some).",
                       [target(by_service(f'rate({c("container_pressure_cpu_waiting_seconds_total")}{RATE})', "max"), svc_legend)],
                       "percentunit"),
            timeseries("Memory pressure", "Share of time some task of the service stalled on memory (PSI some).",
                       [target(by_service(f'rate({c("container_pressure_memory_waiting_seconds_total")}{RATE})', "max"), svc_legend)],
                       "percentunit"),
            timeseries("I/O pressure", "Share of time some task of the service stalled on I/O (PSI some).",
                       [target(by_service(f'rate({c("container_pressure_io_waiting_seconds_total")}{RATE})', "max"), svc_legend)],
                       "percentunit"),
            row("Failures and health"),
            timeseries("OOM kills", "OOM kills per service, per interval.",
                       [target(by_service(f'increase({c("container_oom_events_total")}{RATE})'), svc_legend)], "none"),
            timeseries("Restarts", "Times Docker restarted the service's containers, per interval.",
                       [target(by_service(f'increase(docker_container_restarts_total{RATE}) * on(instance, id) group_left({SERVICE}) {INFO}'),
                               svc_legend)], "none"),
            table("Health", "Containers with a healthcheck: their current health and failing streak.",
                  [f'max by (name, status, swarm_node_name) ((docker_container_health_status * on(instance, id) group_left() {INFO}) == 1)',
                   f'max by (name, swarm_node_name) (docker_container_health_failing_streak * on(instance, id) group_left() {INFO})'],
                  "none", w=12,
                  columns={"name": "Container", "swarm_node_name": "Node", "status": "Health",
                           "Value #B": "Failing streak"}),
            bargauge("Top 10 tasks by CPU", "The ten tasks using the most CPU now (cores).",
                     [target(f'topk(10, sum by (name) (rate({c("container_cpu_usage_seconds_total")}{RATE})))', "{{name}}")],
                     "short", w=6),
            bargauge("Top 10 tasks by memory", "The ten tasks with the largest working set now.",
                     [target(f'topk(10, max by (name) ({c("container_memory_working_set_bytes")}))', "{{name}}")],
                     "bytes", w=6),
        ],
        variables=[
            query_var("stack", "Stack", "label_values(container_last_seen, container_label_com_docker_stack_namespace)"),
            query_var("service", "Service", f'label_values(container_last_seen{{container_label_com_docker_stack_namespace=~"$stack"}}, {SERVICE})',
                      all_value=".+"),
            query_var("node", "Node", "label_values(container_last_seen, swarm_node_name)"),
        ],
    )
