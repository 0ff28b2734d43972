#include "collector/self_metrics.h"

#include <dirent.h>
#include <prometheus/collectable.h>
#include <prometheus/gauge.h>
#include <prometheus/text_serializer.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <optional>
#include <sstream>

#include "collector/metric_writer.h"
#include "collector/process_stats.h"
#include "collector/version.h"

namespace swarmscope {
namespace {

prometheus::MetricFamily GaugeFamily(std::string name, std::string help, double value,
                                     prometheus::MetricType type = prometheus::MetricType::Gauge) {
  prometheus::MetricFamily family;
  family.name = std::move(name);
  family.help = std::move(help);
  family.type = type;
  prometheus::ClientMetric metric;
  if (type == prometheus::MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  family.metric.push_back(std::move(metric));
  return family;
}

int CountOpenFds(const std::string& fd_dir) {
  DIR* dir = ::opendir(fd_dir.c_str());
  if (dir == nullptr) {
    return -1;
  }
  int n = 0;
  while (const dirent* e = ::readdir(dir)) {
    if (e->d_name[0] != '.') {
      ++n;
    }
  }
  ::closedir(dir);
  return n - 1;  // the descriptor opendir itself holds
}

// The standard process_* metrics (as the Go and Python clients define them), read from
// /proc at most once a second: reading /proc/self/stat and listing /proc/self/fd cost more
// than serving a pre-rendered exposition, and CPU time only moves in 10 ms ticks anyway.
class ProcessCollector : public prometheus::Collectable {
 public:
  ProcessCollector(std::string proc_self, std::string proc_root)
      : proc_self_(std::move(proc_self)), proc_root_(std::move(proc_root)) {
    if (auto stat = ReadSmallFile(proc_root_ + "/stat")) {
      boot_time_ = ParseBootTime(*stat).value_or(0);
    }
  }

  std::vector<prometheus::MetricFamily> Collect() const override {
    std::lock_guard lock(mu_);
    const auto now = std::chrono::steady_clock::now();
    if (read_ == std::chrono::steady_clock::time_point{} ||
        now - read_ >= std::chrono::seconds(1)) {
      cached_ = Read();
      read_ = now;
    }
    return cached_;
  }

 private:
  std::vector<prometheus::MetricFamily> Read() const {
    std::vector<prometheus::MetricFamily> out;
    const auto text = ReadSmallFile(proc_self_ + "/stat");
    const auto stat = text ? ParseProcStat(*text) : std::nullopt;
    if (stat) {
      const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
      const double page = static_cast<double>(::sysconf(_SC_PAGESIZE));
      out.push_back(
          GaugeFamily("process_cpu_seconds_total",
                      "Total user and system CPU time spent in seconds (/proc/self/stat).",
                      static_cast<double>(stat->utime_ticks + stat->stime_ticks) / ticks,
                      prometheus::MetricType::Counter));
      out.push_back(GaugeFamily("process_resident_memory_bytes",
                                "Resident memory size in bytes (/proc/self/stat).",
                                static_cast<double>(stat->rss_pages) * page));
      out.push_back(GaugeFamily("process_virtual_memory_bytes",
                                "Virtual memory size in bytes (/proc/self/stat).",
                                static_cast<double>(stat->vsize_bytes)));
      if (boot_time_ > 0) {
        out.push_back(GaugeFamily(
            "process_start_time_seconds",
            "Start time of the process since unix epoch in seconds (/proc/self/stat, /proc/stat).",
            static_cast<double>(boot_time_) + static_cast<double>(stat->starttime_ticks) / ticks));
      }
      out.push_back(GaugeFamily("process_threads", "Number of OS threads (/proc/self/stat).",
                                static_cast<double>(stat->num_threads)));
    }
    if (const int fds = CountOpenFds(proc_self_ + "/fd"); fds >= 0) {
      out.push_back(
          GaugeFamily("process_open_fds", "Number of open file descriptors (/proc/self/fd).", fds));
    }
    rlimit lim{};
    if (::getrlimit(RLIMIT_NOFILE, &lim) == 0) {
      out.push_back(GaugeFamily("process_max_fds",
                                "Maximum number of open file descriptors (RLIMIT_NOFILE).",
                                static_cast<double>(lim.rlim_cur)));
    }
    return out;
  }

  std::string proc_self_;
  std::string proc_root_;
  uint64_t boot_time_ = 0;
  mutable std::mutex mu_;
  mutable std::chrono::steady_clock::time_point read_;
  mutable std::vector<prometheus::MetricFamily> cached_;
};

// One sample; `bound` is a histogram bucket's `le`.
void AppendSample(std::string& out, std::string_view name, std::string_view suffix,
                  const prometheus::ClientMetric& m, double value,
                  std::optional<double> bound = std::nullopt) {
  out += name;
  out += suffix;
  LabelSet labels;
  for (const auto& l : m.label) {
    labels.Add(l.name, l.value);
  }
  if (bound) {
    std::string le;
    AppendValue(le, *bound);
    labels.Add("le", le);
  }
  if (!labels.empty()) {
    out += '{';
    out += labels.rendered();
    out += '}';
  }
  out += ' ';
  AppendValue(out, value);
  if (m.timestamp_ms != 0) {
    out += ' ';
    AppendValue(out, static_cast<int64_t>(m.timestamp_ms));
  }
  out += '\n';
}

}  // namespace

void AppendExposition(std::string& out, const std::vector<prometheus::MetricFamily>& families) {
  for (const auto& f : families) {
    std::string_view type;
    switch (f.type) {
      case prometheus::MetricType::Counter:
        type = "counter";
        break;
      case prometheus::MetricType::Gauge:
        type = "gauge";
        break;
      case prometheus::MetricType::Untyped:
        type = "untyped";
        break;
      case prometheus::MetricType::Histogram:
        type = "histogram";
        break;
      default: {
        std::ostringstream text;
        prometheus::TextSerializer().Serialize(text, {f});
        out += text.str();
        continue;
      }
    }
    AppendFamilyHeader(out, f.name, f.help, type);
    for (const auto& m : f.metric) {
      switch (f.type) {
        case prometheus::MetricType::Counter:
          AppendSample(out, f.name, "", m, m.counter.value);
          break;
        case prometheus::MetricType::Gauge:
          AppendSample(out, f.name, "", m, m.gauge.value);
          break;
        case prometheus::MetricType::Untyped:
          AppendSample(out, f.name, "", m, m.untyped.value);
          break;
        default:  // histogram: the buckets are cumulative, the last one +Inf
          AppendSample(out, f.name, "_count", m, static_cast<double>(m.histogram.sample_count));
          AppendSample(out, f.name, "_sum", m, m.histogram.sample_sum);
          for (const auto& b : m.histogram.bucket) {
            AppendSample(out, f.name, "_bucket", m, static_cast<double>(b.cumulative_count),
                         b.upper_bound);
          }
          if (m.histogram.bucket.empty() || !std::isinf(m.histogram.bucket.back().upper_bound)) {
            AppendSample(out, f.name, "_bucket", m, static_cast<double>(m.histogram.sample_count),
                         std::numeric_limits<double>::infinity());
          }
          break;
      }
    }
  }
}

class SelfMetrics::CollectorErrors : public ErrorReporter {
 public:
  CollectorErrors(std::string collector, Logger& log,
                  prometheus::Family<prometheus::Counter>& family)
      : collector_(std::move(collector)), limiter_(log), family_(family) {}

  void Report(std::string_view cause, std::string_view message, LogFields context) override {
    family_.Add({{"collector", collector_}, {"cause", std::string(cause)}}).Increment();
    std::vector<LogField> fields;
    fields.emplace_back("collector", collector_);
    fields.emplace_back("cause", cause);
    fields.insert(fields.end(), context.begin(), context.end());
    limiter_.Warn(cause, message, fields);
  }

 private:
  std::string collector_;
  RateLimitedLog limiter_;
  prometheus::Family<prometheus::Counter>& family_;
};

SelfMetrics::SelfMetrics(Logger& log, std::string proc_self, std::string proc_root)
    : log_(log), registry_(std::make_shared<prometheus::Registry>()) {
  prometheus::BuildGauge()
      .Name("swarmscope_build_info")
      .Help("A metric with a constant '1' value labeled by the version and revision of swarmscope.")
      .Register(*registry_)
      .Add({{"version", kVersion}, {"revision", kRevision}})
      .Set(1);
  http_requests_ = &prometheus::BuildCounter()
                        .Name("swarmscope_http_requests_total")
                        .Help("HTTP requests answered, by handler and status code.")
                        .Register(*registry_);
  rejected_connections_ =
      &prometheus::BuildCounter()
           .Name("swarmscope_http_connections_rejected_total")
           .Help("Connections closed at once because --web.max-connections were open.")
           .Register(*registry_)
           .Add({});
  collector_duration_ = &prometheus::BuildHistogram()
                             .Name("swarmscope_collector_duration_seconds")
                             .Help("Time one collection of a collector took.")
                             .Register(*registry_);
  collector_failures_ = &prometheus::BuildCounter()
                             .Name("swarmscope_collector_failures_total")
                             .Help("Collections of a collector that reported failure or threw.")
                             .Register(*registry_);
  collector_timeouts_ = &prometheus::BuildCounter()
                             .Name("swarmscope_collector_timeouts_total")
                             .Help("Scrapes that answered before a collector finished (deadline).")
                             .Register(*registry_);
  collector_errors_ =
      &prometheus::BuildCounter()
           .Name("swarmscope_collector_errors_total")
           .Help("Problems met by a collector (malformed input, failed reads), by cause.")
           .Register(*registry_);
  process_ = std::make_shared<ProcessCollector>(std::move(proc_self), std::move(proc_root));
}

SelfMetrics::~SelfMetrics() = default;

void SelfMetrics::CountRequest(std::string_view handler, unsigned code) {
  http_requests_->Add({{"handler", std::string(handler)}, {"code", std::to_string(code)}})
      .Increment();
}

void SelfMetrics::CountRejectedConnection() { rejected_connections_->Increment(); }

void SelfMetrics::ObserveCollection(std::string_view collector, double seconds, bool success,
                                    bool timed_out) {
  static const prometheus::Histogram::BucketBoundaries kBuckets = {
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  const std::map<std::string, std::string> labels = {{"collector", std::string(collector)}};
  // Both counters exist from the first collection on (at 0), so that rate() and increase()
  // see the first failure or timeout too.
  auto& timeouts = collector_timeouts_->Add(labels);
  if (timed_out) {
    timeouts.Increment();
    return;
  }
  collector_duration_->Add(labels, kBuckets).Observe(seconds);
  auto& failures = collector_failures_->Add(labels);
  if (!success) {
    failures.Increment();
  }
}

ErrorReporter& SelfMetrics::ErrorsFor(std::string_view collector) {
  std::lock_guard lock(mu_);
  auto it = errors_.find(collector);
  if (it == errors_.end()) {
    it = errors_
             .emplace(std::string(collector), std::make_unique<CollectorErrors>(
                                                  std::string(collector), log_, *collector_errors_))
             .first;
  }
  return *it->second;
}

void SelfMetrics::Serialize(std::string& out) const {
  AppendExposition(out, registry_->Collect());
  AppendExposition(out, process_->Collect());
}

}  // namespace swarmscope
