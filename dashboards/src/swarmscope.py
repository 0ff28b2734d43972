"""swarmscope itself: per-collector duration and success, errors by cause, data age, scrape
sizes, the collector's CPU and memory per node (its container's working set, from its own
cgroup collector, not RSS full of shared library pages)."""
from grafana import (dashboard, override, query_var, row, stat, state_timeline, table, target,
                     timeseries)

UID = "swarmscope-self"
RATE = "[$__rate_interval]"
N = 'job="swarmscope",swarm_node_name=~"$node"'
NC = N + ',collector=~"$collector"'
# The collector's own container, found by its image (swarmscope, not swarmscope-keepalived).
OWN = ('container_label_com_docker_swarm_service_name=~"$collector_service",'
       'swarm_node_name=~"$node"')
SUCCESS = {"0": ("failed", "red"), "1": ("ok", "green")}


def build():
    return dashboard(
        UID, "swarmscope",
        "The collectors themselves: how long each takes and whether it succeeds, errors by "
        "cause, how old the data served is, scrape sizes, and what swarmscope costs per node.",
        [
            row("Health"),
            stat("Targets up", "swarmscope targets Prometheus scrapes successfully, one per node.",
                 [f"sum(up{{{N}}})"], "none"),
            stat("Targets down", "swarmscope targets that failed their last scrape.",
                 [f"count(up{{{N}}} == 0) or vector(0)"], "none", steps=("green", (1, "red"))),
            stat("Collectors failing", "Collectors (per node) whose last scrape did not succeed.",
                 [f"count(swarmscope_scrape_collector_success{{{NC}}} == 0) or vector(0)"], "none",
                 steps=("green", (1, "red"))),
            stat("Oldest data", "Age of the oldest data a collector serves (now - its last success).",
                 [f"max(time() - swarmscope_collector_last_success_timestamp_seconds{{{NC}}})"], "s",
                 steps=("green", (120, "orange"), (600, "red"))),
            table("Versions", "The swarmscope version and revision on each node.",
                  [f"max by (swarm_node_name, version, revision) (swarmscope_build_info{{{N}}})"],
                  "none", w=8, h=4,
                  columns={"swarm_node_name": "Node", "version": "Version", "revision": "Revision"}),
            state_timeline("Collector success", "Per node and collector: whether the scrape's "
                           "collection succeeded.",
                           [target(f"max by (swarm_node_name, collector) (swarmscope_scrape_collector_success{{{NC}}})",
                                   "{{swarm_node_name}} {{collector}}")], SUCCESS, h=7),
            table("Collectors unavailable", "Collectors that cannot run, and why (starting, or the "
                  "reason they could not start).",
                  [f"max by (swarm_node_name, collector, reason) (swarmscope_collector_unavailable_info{{{NC}}}) == 1"],
                  "none", w=12, h=5,
                  columns={"swarm_node_name": "Node", "collector": "Collector", "reason": "Reason"}),
            timeseries("Errors by cause", "Malformed input and failed reads met by the collectors, per second.",
                       [target(f"sum by (collector, cause) (rate(swarmscope_collector_errors_total{{{NC}}}{RATE}))",
                               "{{collector}} {{cause}}")], "short"),
            row("Durations and data age"),
            timeseries("Collection time in scrapes", "How long each collector took in the last scrape, per node.",
                       [target(f"swarmscope_scrape_collector_duration_seconds{{{NC}}}",
                               "{{swarm_node_name}} {{collector}}")], "s"),
            timeseries("Collection time p99", "99th percentile of finished collections' durations, per collector.",
                       [target(f"histogram_quantile(0.99, sum by (collector, le) "
                               f"(rate(swarmscope_collector_duration_seconds_bucket{{{NC}}}{RATE})))",
                               "{{collector}}")], "s"),
            timeseries("Data age", "How old the data each collector serves is (now - last success).",
                       [target(f"time() - swarmscope_collector_last_success_timestamp_seconds{{{NC}}}",
                               "{{swarm_node_name}} {{collector}}")], "s"),
            timeseries("Failures and timeouts", "Collections that failed, and scrapes answered before a "
                       "collector finished, per second.",
                       [target(f"sum by (collector) (rate(swarmscope_collector_failures_total{{{NC}}}{RATE}))",
                               "{{collector}} failed"),
                        target(f"sum by (collector) (rate(swarmscope_collector_timeouts_total{{{NC}}}{RATE}))",
                               "{{collector}} timed out")], "short"),
            row("Scrapes"),
            timeseries("Samples per scrape", "Samples Prometheus got from each node's collector.",
                       [target(f"scrape_samples_scraped{{{N}}}", "{{swarm_node_name}}")], "short"),
            timeseries("Scrape duration", "How long Prometheus' scrape of each node took.",
                       [target(f"scrape_duration_seconds{{{N}}}", "{{swarm_node_name}}")], "s"),
            timeseries("HTTP requests", "Requests answered per second, by handler and status code.",
                       [target(f"sum by (handler, code) (rate(swarmscope_http_requests_total{{{N}}}{RATE}))",
                               "{{handler}} {{code}}")], "reqps"),
            row("Cost"),
            timeseries("CPU", "CPU cores the collector uses, per node.",
                       [target(f"rate(process_cpu_seconds_total{{{N}}}{RATE})", "{{swarm_node_name}}")],
                       "short"),
            timeseries("Memory (working set)", "The collector container's working set and RSS, per "
                       "node (its cgroup: private memory, not shared library pages).",
                       [target(f"max by (swarm_node_name) (container_memory_working_set_bytes{{{OWN}}})",
                               "{{swarm_node_name}} working set"),
                        target(f"max by (swarm_node_name) (container_memory_rss{{{OWN}}})",
                               "{{swarm_node_name}} rss")], "bytes"),
            timeseries("Open descriptors", "Descriptors open against the limit, per node.",
                       [target(f"process_open_fds{{{N}}} / process_max_fds{{{N}}}", "{{swarm_node_name}}")],
                       "percentunit"),
            table("Cost per node", "Each node's collector: CPU, working set and threads now.",
                  [f"max by (swarm_node_name) (rate(process_cpu_seconds_total{{{N}}}{RATE}))",
                   f"max by (swarm_node_name) (container_memory_working_set_bytes{{{OWN}}})",
                   f"max by (swarm_node_name) (process_threads{{{N}}})"],
                  "none", w=12, h=5,
                  columns={"swarm_node_name": "Node", "Value #A": "CPU", "Value #B": "Working set",
                           "Value #C": "Threads"},
                  overrides=[override("Working set", unit="bytes")]),
        ],
        variables=[
            query_var("node", "Node", 'label_values(swarmscope_build_info{job="swarmscope"}, swarm_node_name)'),
            query_var("collector", "Collector", "label_values(swarmscope_scrape_collector_success, collector)"),
            query_var("collector_service", "Collector service",
                      'label_values(docker_container_info{image=~"(.*/)?swarmscope(:.*|@.*)?"}, '
                      "container_label_com_docker_swarm_service_name)", include_all=False, multi=False),
        ],
    )
