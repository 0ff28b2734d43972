#include "exporters/cgroup/metrics.h"

#include <optional>
#include <string>
#include <string_view>

namespace swarmscope::cgroup {
namespace {

double Seconds(uint64_t ns) { return static_cast<double>(ns) / 1e9; }

// A counter of nanoseconds as seconds.
void MaybeSeconds(FamilyWriter& f, const LabelSet& l, const std::optional<uint64_t>& ns) {
  if (ns) {
    f.Add(l, Seconds(*ns));
  }
}

template <typename T>
void Maybe(FamilyWriter& f, const LabelSet& l, const std::optional<T>& v) {
  if (v) {
    f.Add(l, *v);
  }
}

LabelSet Pairs(std::string_view a, std::string_view av, std::string_view b = {},
               std::string_view bv = {}) {
  LabelSet l;
  l.Add(a, av);
  if (!b.empty()) {
    l.Add(b, bv);
  }
  return l;
}

// Constant extra labels, rendered once.
const LabelSet& CpuTotal() {
  static const LabelSet kLabels = Pairs("cpu", "total");
  return kLabels;
}

const LabelSet& Failure(bool major, bool hierarchy) {
  static const LabelSet kLabels[4] = {
      Pairs("failure_type", "pgfault", "scope", "container"),
      Pairs("failure_type", "pgmajfault", "scope", "container"),
      Pairs("failure_type", "pgfault", "scope", "hierarchy"),
      Pairs("failure_type", "pgmajfault", "scope", "hierarchy"),
  };
  return kLabels[(major ? 1 : 0) + (hierarchy ? 2 : 0)];
}

void EmitNet(FamilyWriter& f, const LabelSet& l, const Stats& s, uint64_t NetDevice::*field) {
  for (const auto& d : s.net) {
    f.Add(l, "interface", d.name, d.*field);
  }
}

std::string DeviceLabel(const IoDevice& d) {
  if (d.major == 0 && d.minor == 0) {
    return "";
  }
  return std::to_string(d.major) + ":" + std::to_string(d.minor);
}

void EmitIo(FamilyWriter& f, const LabelSet& l, const Stats& s, uint64_t IoDevice::*field,
            bool ops) {
  if (!s.io_known || (ops && !s.io_ops_known)) {
    return;
  }
  for (const auto& d : s.io) {
    if (d.major == 0 && d.minor == 0) {
      f.Add(l, d.*field);  // the /proc/<pid>/io fallback has no device
    } else {
      f.Add(l, "device", DeviceLabel(d), d.*field);
    }
  }
}

void EmitPressure(FamilyWriter& f, const LabelSet& l, const std::optional<Pressure>& p, bool full) {
  if (!p) {
    return;
  }
  const auto& v = full ? p->full_total_us : p->some_total_us;
  if (v) {
    f.Add(l, static_cast<double>(*v) / 1e6);
  }
}

// One series per state, in cAdvisor's order; iowait only when the kernel counted it.
void EmitTaskStates(FamilyWriter& f, const LabelSet& l, const Stats& s) {
  if (!s.tasks) {
    return;
  }
  static const LabelSet kStates[] = {Pairs("state", "iowait"), Pairs("state", "running"),
                                     Pairs("state", "sleeping"), Pairs("state", "stopped"),
                                     Pairs("state", "uninterruptible")};
  const TaskStates& t = *s.tasks;
  if (t.has_iowait) {
    f.Add(l, kStates[0], t.iowait);
  }
  f.Add(l, kStates[1], t.running);
  f.Add(l, kStates[2], t.sleeping);
  f.Add(l, kStates[3], t.stopped);
  f.Add(l, kStates[4], t.uninterruptible);
}

}  // namespace

// cAdvisor's names, types, units and labels. container_memory_failcnt is a counter in
// cAdvisor; it is typed untyped here because promtool's linter rejects a counter without
// _total (PromQL treats both alike).
const std::vector<MetricRow>& MetricTable() {
  static const std::vector<MetricRow> kTable = {
      {{"container_cpu_cfs_periods_total", MetricType::kCounter,
        "Number of elapsed enforcement period intervals (cpu.stat nr_periods).", ""},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) { Maybe(f, l, s.cfs_periods); }},
      {{"container_cpu_cfs_throttled_periods_total", MetricType::kCounter,
        "Number of throttled period intervals (cpu.stat nr_throttled).", ""},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) {
         Maybe(f, l, s.cfs_throttled_periods);
       }},
      {{"container_cpu_cfs_throttled_seconds_total", MetricType::kCounter,
        "Total time duration the container has been throttled (cpu.stat "
        "throttled_time/throttled_usec).",
        ""},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) {
         MaybeSeconds(f, l, s.cfs_throttled_ns);
       }},
      {{"container_cpu_system_seconds_total", MetricType::kCounter,
        "Cumulative system cpu time consumed in seconds (cpuacct.usage_sys or cpu.stat "
        "system_usec).",
        ""},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) {
         MaybeSeconds(f, l, s.cpu_system_ns);
       }},
      {{"container_cpu_usage_seconds_total", MetricType::kCounter,
        "Cumulative cpu time consumed in seconds (cpuacct.usage or cpu.stat usage_usec).", "cpu"},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) {
         if (s.cpu_usage_ns) {
           f.Add(l, CpuTotal(), Seconds(*s.cpu_usage_ns));
         }
       }},
      {{"container_cpu_user_seconds_total", MetricType::kCounter,
        "Cumulative user cpu time consumed in seconds (cpuacct.usage_user or cpu.stat user_usec).",
        ""},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) {
         MaybeSeconds(f, l, s.cpu_user_ns);
       }},
      {{"container_fs_reads_bytes_total", MetricType::kCounter,
        "Cumulative count of bytes read (io.stat rbytes, blkio.throttle.io_service_bytes, or the "
        "sum of /proc/<pid>/io read_bytes over the cgroup's processes; for the root cgroup "
        "/proc/diskstats of the host's disks).",
        "device"},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) {
         EmitIo(f, l, s, &IoDevice::read_bytes, false);
       }},
      {{"container_fs_reads_total", MetricType::kCounter,
        "Cumulative count of reads completed (io.stat rios or blkio.throttle.io_serviced; for the "
        "root cgroup without them /proc/diskstats of the host's disks).",
        "device"},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) {
         EmitIo(f, l, s, &IoDevice::reads, true);
       }},
      {{"container_fs_writes_bytes_total", MetricType::kCounter,
        "Cumulative count of bytes written (io.stat wbytes, blkio.throttle.io_service_bytes, or "
        "the sum of /proc/<pid>/io write_bytes over the cgroup's processes; for the root cgroup "
        "/proc/diskstats of the host's disks).",
        "device"},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) {
         EmitIo(f, l, s, &IoDevice::write_bytes, false);
       }},
      {{"container_fs_writes_total", MetricType::kCounter,
        "Cumulative count of writes completed (io.stat wios or blkio.throttle.io_serviced; for the "
        "root cgroup without them /proc/diskstats of the host's disks).",
        "device"},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) {
         EmitIo(f, l, s, &IoDevice::writes, true);
       }},
      {{"container_last_seen", MetricType::kGauge,
        "Last time a container was seen by the exporter (the scrape's wall-clock time).", ""},
       nullptr},  // written by the exporter: the scrape's time
      {{"container_memory_cache", MetricType::kGauge,
        "Number of bytes of page cache memory (memory.stat total_cache or file).", ""},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) { Maybe(f, l, s.memory_cache); }},
      {{"container_memory_failcnt", MetricType::kUntyped,
        "Number of memory usage hits limits (memory.failcnt, or memory.events max).", ""},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) { Maybe(f, l, s.memory_failcnt); }},
      {{"container_memory_failures_total", MetricType::kCounter,
        "Cumulative count of memory allocation failures (memory.stat pgfault, pgmajfault).",
        "failure_type, scope"},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) {
         if (s.pgfault) {
           f.Add(l, Failure(false, false), *s.pgfault);
         }
         if (s.pgmajfault) {
           f.Add(l, Failure(true, false), *s.pgmajfault);
         }
         if (s.hierarchy_pgfault) {
           f.Add(l, Failure(false, true), *s.hierarchy_pgfault);
         }
         if (s.hierarchy_pgmajfault) {
           f.Add(l, Failure(true, true), *s.hierarchy_pgmajfault);
         }
       }},
      {{"container_memory_mapped_file", MetricType::kGauge,
        "Size of memory mapped files in bytes (memory.stat total_mapped_file or file_mapped).", ""},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) {
         Maybe(f, l, s.memory_mapped_file);
       }},
      {{"container_memory_max_usage_bytes", MetricType::kGauge,
        "Maximum memory usage recorded in bytes (memory.max_usage_in_bytes or memory.peak).", ""},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) { Maybe(f, l, s.memory_max_usage); }},
      {{"container_memory_rss", MetricType::kGauge,
        "Size of RSS in bytes (memory.stat total_rss or anon).", ""},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) { Maybe(f, l, s.memory_rss); }},
      {{"container_memory_swap", MetricType::kGauge,
        "Container swap usage in bytes (memory.memsw.usage_in_bytes minus usage, or "
        "memory.swap.current).",
        ""},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) { Maybe(f, l, s.memory_swap); }},
      {{"container_memory_usage_bytes", MetricType::kGauge,
        "Current memory usage in bytes, including all memory regardless of when it was accessed "
        "(memory.usage_in_bytes or memory.current).",
        ""},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) { Maybe(f, l, s.memory_usage); }},
      {{"container_memory_working_set_bytes", MetricType::kGauge,
        "Current working set in bytes: usage minus inactive file pages (memory.stat).", ""},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) {
         if (!s.memory_usage) {
           return;
         }
         const uint64_t inactive = s.memory_inactive_file.value_or(0);
         f.Add(l, *s.memory_usage > inactive ? *s.memory_usage - inactive : uint64_t{0});
       }},
      {{"container_network_receive_bytes_total", MetricType::kCounter,
        "Cumulative count of bytes received (/proc/<pid>/net/dev).", "interface"},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) {
         EmitNet(f, l, s, &NetDevice::rx_bytes);
       }},
      {{"container_network_receive_errors_total", MetricType::kCounter,
        "Cumulative count of errors encountered while receiving (/proc/<pid>/net/dev).",
        "interface"},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) {
         EmitNet(f, l, s, &NetDevice::rx_errors);
       }},
      {{"container_network_receive_packets_dropped_total", MetricType::kCounter,
        "Cumulative count of packets dropped while receiving (/proc/<pid>/net/dev).", "interface"},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) {
         EmitNet(f, l, s, &NetDevice::rx_dropped);
       }},
      {{"container_network_receive_packets_total", MetricType::kCounter,
        "Cumulative count of packets received (/proc/<pid>/net/dev).", "interface"},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) {
         EmitNet(f, l, s, &NetDevice::rx_packets);
       }},
      {{"container_network_transmit_bytes_total", MetricType::kCounter,
        "Cumulative count of bytes transmitted (/proc/<pid>/net/dev).", "interface"},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) {
         EmitNet(f, l, s, &NetDevice::tx_bytes);
       }},
      {{"container_network_transmit_errors_total", MetricType::kCounter,
        "Cumulative count of errors encountered while transmitting (/proc/<pid>/net/dev).",
        "interface"},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) {
         EmitNet(f, l, s, &NetDevice::tx_errors);
       }},
      {{"container_network_transmit_packets_dropped_total", MetricType::kCounter,
        "Cumulative count of packets dropped while transmitting (/proc/<pid>/net/dev).",
        "interface"},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) {
         EmitNet(f, l, s, &NetDevice::tx_dropped);
       }},
      {{"container_network_transmit_packets_total", MetricType::kCounter,
        "Cumulative count of packets transmitted (/proc/<pid>/net/dev).", "interface"},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) {
         EmitNet(f, l, s, &NetDevice::tx_packets);
       }},
      {{"container_oom_events_total", MetricType::kCounter,
        "Count of out of memory events observed for the container (memory.oom_control or "
        "memory.events oom_kill).",
        ""},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) { Maybe(f, l, s.oom_kills); }},
      {{"container_pressure_cpu_stalled_seconds_total", MetricType::kCounter,
        "Total time duration no tasks in the container could make progress due to CPU congestion "
        "(cpu.pressure full).",
        ""},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) {
         EmitPressure(f, l, s.cpu_pressure, true);
       }},
      {{"container_pressure_cpu_waiting_seconds_total", MetricType::kCounter,
        "Total time duration tasks in the container have waited due to CPU congestion "
        "(cpu.pressure some).",
        ""},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) {
         EmitPressure(f, l, s.cpu_pressure, false);
       }},
      {{"container_pressure_io_stalled_seconds_total", MetricType::kCounter,
        "Total time duration no tasks in the container could make progress due to IO congestion "
        "(io.pressure full).",
        ""},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) {
         EmitPressure(f, l, s.io_pressure, true);
       }},
      {{"container_pressure_io_waiting_seconds_total", MetricType::kCounter,
        "Total time duration tasks in the container have waited due to IO congestion (io.pressure "
        "some).",
        ""},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) {
         EmitPressure(f, l, s.io_pressure, false);
       }},
      {{"container_pressure_memory_stalled_seconds_total", MetricType::kCounter,
        "Total time duration no tasks in the container could make progress due to memory "
        "congestion (memory.pressure full).",
        ""},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) {
         EmitPressure(f, l, s.memory_pressure, true);
       }},
      {{"container_pressure_memory_waiting_seconds_total", MetricType::kCounter,
        "Total time duration tasks in the container have waited due to memory congestion "
        "(memory.pressure some).",
        ""},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) {
         EmitPressure(f, l, s.memory_pressure, false);
       }},
      {{"container_processes", MetricType::kGauge,
        "Number of processes running inside the container (cgroup.procs; from a pid namespace of "
        "its own, the procfs listing with /proc/<pid>/cgroup).",
        ""},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) { Maybe(f, l, s.processes); }},
      {{"container_spec_cpu_period", MetricType::kGauge,
        "CPU period of the container (cpu.cfs_period_us or cpu.max). Read when the cgroup is first "
        "seen, again at once after a docker update of the container, and at least every "
        "--cgroup.limits-refresh-interval.",
        ""},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) {
         Maybe(f, l, s.limits.cpu_period_us);
       }},
      {{"container_spec_cpu_quota", MetricType::kGauge,
        "CPU quota of the container, absent without a quota (cpu.cfs_quota_us or cpu.max). Read "
        "when the cgroup is first seen, again at once after a docker update of the container, and "
        "at least every --cgroup.limits-refresh-interval.",
        ""},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) {
         Maybe(f, l, s.limits.cpu_quota_us);
       }},
      {{"container_spec_cpu_shares", MetricType::kGauge,
        "CPU share of the container (cpu.shares, or cpu.weight converted to shares). Read when the "
        "cgroup is first seen, again at once after a docker update of the container, and at least "
        "every --cgroup.limits-refresh-interval.",
        ""},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) {
         Maybe(f, l, s.limits.cpu_shares);
       }},
      {{"container_spec_memory_limit_bytes", MetricType::kGauge,
        "Memory limit for the container, 0 when unlimited (memory.limit_in_bytes or memory.max). "
        "Read when the cgroup is first seen, again at once after a docker update of the container, "
        "and at least every --cgroup.limits-refresh-interval.",
        ""},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) {
         Maybe(f, l, s.limits.memory_limit);
       }},
      {{"container_spec_memory_reservation_limit_bytes", MetricType::kGauge,
        "Memory reservation limit for the container, 0 when unlimited (memory.soft_limit_in_bytes "
        "or memory.low). Read when the cgroup is first seen, again at once after a docker update "
        "of the container, and at least every --cgroup.limits-refresh-interval.",
        ""},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) {
         Maybe(f, l, s.limits.memory_reservation);
       }},
      {{"container_spec_memory_swap_limit_bytes", MetricType::kGauge,
        "Memory swap limit for the container, 0 when unlimited (memory.memsw.limit_in_bytes or "
        "memory.swap.max). Read when the cgroup is first seen, again at once after a docker update "
        "of the container, and at least every --cgroup.limits-refresh-interval.",
        ""},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) {
         Maybe(f, l, s.limits.memory_swap_limit);
       }},
      {{"container_start_time_seconds", MetricType::kGauge,
        "Start time of the container since unix epoch in seconds (Docker, else the cgroup's "
        "creation).",
        ""},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) {
         Maybe(f, l, s.start_time_seconds);
       }},
      {{"container_tasks_state", MetricType::kGauge,
        "Number of tasks in given state (the kernel's cgroupstats over netlink on cgroup v1, with "
        "iowait, when it counts every task of pids.current; else the states in "
        "/proc/<tid>/task/<tid>/stat of the threads in tasks (v1) or cgroup.threads (v2), without "
        "iowait).",
        "state"},
       EmitTaskStates},
      {{"container_threads", MetricType::kGauge,
        "Number of threads running inside the container (pids.current).", ""},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) { Maybe(f, l, s.threads); }},
      {{"container_threads_max", MetricType::kGauge,
        "Maximum number of threads allowed inside the container, infinity if value is zero "
        "(pids.max). Read when the cgroup is first seen, again at once after a docker update of "
        "the container, and at least every --cgroup.limits-refresh-interval.",
        ""},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) {
         Maybe(f, l, s.limits.threads_max);
       }},
  };
  return kTable;
}

std::vector<MetricSpec> CgroupMetricSpecs() {
  std::vector<MetricSpec> out;
  for (const auto& row : MetricTable()) {
    out.push_back(row.spec);
  }
  return out;
}

}  // namespace swarmscope::cgroup
