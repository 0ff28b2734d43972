// The ceph exporter's cluster refresh at scale, without a big cluster: the synthetic outputs
// of ceph_synthetic.h (1000 OSDs, 100 pools, 100k PGs by default) answered by a `Cluster`
// fake, refreshed with ClusterRefresh::RefreshOnce as the daemon does. First refresh: a fresh
// ClusterRefresh sends every command, the maps and daemon metadata too (at start, at every
// metadata interval and osdmap change). Steady: the same one again, the epochs unchanged, so
// only status, df, osd perf, osd pool stats and pg dump. For each: process CPU time (the work
// runs on the refresh's command threads; nothing else runs), wall time, peak heap, rendering
// size; the bars take the worse of the two. One floor: pg dump's parse alone, and the time
// Boost.JSON's parser (ParsePgDump's) needs merely to validate the text.
//
// Peak heap: operator new/delete are replaced to count the live bytes (malloc_usable_size) and
// their peak. The fake's store of the outputs is malloc'd, never counted (it stands for the
// cluster). Before each refresh the fake copies the replies it will hand over (operator new),
// then the peak is reset to the live bytes: it counts the replies as librados hands them over
// (all at once, conservatively), the state kept from before, and all the refresh allocates.
//
//   build/tests/bench/ceph_scale_bench [--iterations=N] [--osds=1000] [--pools=100]
//                                      [--pgs=100000]

#include <malloc.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <boost/json/basic_parser_impl.hpp>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "collector/log.h"
#include "collector/metric_writer.h"
#include "collector/node_role.h"
#include "exporters/ceph/cluster_parsers.h"
#include "exporters/ceph/cluster_refresh.h"
#include "tests/bench/ceph_synthetic.h"

// ---- heap accounting: every operator new/delete of the process ----

namespace {

std::atomic<int64_t> g_live{0};
std::atomic<int64_t> g_peak{0};
std::atomic<int64_t> g_allocations{0};

void* Counted(void* p) {
  if (p == nullptr) {
    throw std::bad_alloc();
  }
  const auto n = static_cast<int64_t>(malloc_usable_size(p));
  const int64_t now = g_live.fetch_add(n, std::memory_order_relaxed) + n;
  int64_t peak = g_peak.load(std::memory_order_relaxed);
  while (now > peak && !g_peak.compare_exchange_weak(peak, now, std::memory_order_relaxed)) {
  }
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return p;
}

void Uncounted(void* p) {
  if (p != nullptr) {
    g_live.fetch_sub(static_cast<int64_t>(malloc_usable_size(p)), std::memory_order_relaxed);
    std::free(p);
  }
}

}  // namespace

// The other forms (arrays, nothrow, aligned sized delete) call these by default.
void* operator new(std::size_t n) { return Counted(std::malloc(n == 0 ? 1 : n)); }
void* operator new(std::size_t n, std::align_val_t a) {
  void* p = nullptr;
  const std::size_t align = std::max(static_cast<std::size_t>(a), sizeof(void*));
  return Counted(posix_memalign(&p, align, n == 0 ? 1 : n) == 0 ? p : nullptr);
}
void operator delete(void* p) noexcept { Uncounted(p); }
void operator delete(void* p, std::size_t) noexcept { Uncounted(p); }
void operator delete(void* p, std::align_val_t) noexcept { Uncounted(p); }

namespace {

using swarmscope::ceph::ClusterCommands;
using swarmscope::ceph::ClusterRefresh;
using swarmscope::ceph::CommandResult;
using swarmscope::ceph::CommandSpec;

constexpr double kBarCpuMs = 100;
constexpr double kBarPeakMib = 32;
constexpr double kMib = 1024.0 * 1024.0;

// The cluster: its outputs by command, malloc'd (never counted), answered as librados does.
class FakeCluster : public swarmscope::ceph::Cluster {
 public:
  // The outputs of the commands this build sends; one without an output (the module's
  // health history) is answered ENOENT, as where the module never ran.
  void Store(const std::map<std::string, std::string>& outputs) {
    for (const CommandSpec& c : ClusterCommands()) {
      Stored& s = store_[std::string(c.json)];
      s.name = c.name;
      if (const auto it = outputs.find(s.name); it != outputs.end() && !it->second.empty()) {
        char* data = static_cast<char*>(std::malloc(it->second.size()));
        std::memcpy(data, it->second.data(), it->second.size());
        s.text = {data, it->second.size()};
      }
    }
  }
  ~FakeCluster() override {
    for (auto& [json, s] : store_) {
      std::free(const_cast<char*>(s.text.data()));
    }
  }
  std::string_view Text(std::string_view name) const {
    for (const auto& [json, s] : store_) {
      if (s.name == name) {
        return s.text;
      }
    }
    return {};
  }
  // Copies the replies of `which` (operator new, counted) for Command() to hand over. A reply
  // not prepared is copied when asked for, so counted as the refresh's own.
  size_t Prepare(const std::vector<const CommandSpec*>& which) {
    size_t bytes = 0;
    for (const CommandSpec* c : which) {
      if (Stored& s = store_.at(std::string(c->json)); s.text.data() != nullptr) {
        s.reply = std::string(s.text);
        bytes += s.text.size();
      }
    }
    return bytes;
  }
  CommandResult Command(swarmscope::ceph::Target, const std::string& json) override {
    std::lock_guard lock(mu_);
    const auto it = store_.find(json);
    asked_.push_back(it != store_.end() ? it->second.name : json);
    if (it == store_.end() || it->second.text.data() == nullptr) {
      return {-ENOENT, "", "(2) No such file or directory"};
    }
    std::string reply =
        it->second.reply ? std::move(*it->second.reply) : std::string(it->second.text);
    it->second.reply.reset();
    return {0, std::move(reply), ""};
  }
  // The commands asked for since the last call.
  std::vector<std::string> TakeAsked() {
    std::lock_guard lock(mu_);
    return std::exchange(asked_, {});
  }

 private:
  struct Stored {
    std::string name;
    std::string_view text;
    std::optional<std::string> reply;  // prepared
  };
  std::mutex mu_;
  std::map<std::string, Stored> store_;  // by the command's JSON
  std::vector<std::string> asked_;
};

// Errors of the refresh, printed as they come.
class Errors : public swarmscope::ErrorReporter {
 public:
  void Report(std::string_view cause, std::string_view message, swarmscope::LogFields) override {
    std::printf("refresh error: %.*s: %.*s\n", static_cast<int>(cause.size()), cause.data(),
                static_cast<int>(message.size()), message.data());
  }
};

double ProcessCpuMs() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

struct Sample {
  double cpu_ms = 0;
  double wall_ms = 0;
  double peak_mib = 0;      // highest live bytes during the refresh
  double at_start_mib = 0;  // live at the reset: replies + kept state + the rest
  double replies_mib = 0;   // of which the prepared replies
  int64_t allocations = 0;
  size_t text_bytes = 0;
  std::vector<std::string> asked;
};

std::vector<const CommandSpec*> Commands(bool everything) {
  std::vector<const CommandSpec*> out;
  for (const CommandSpec& c : ClusterCommands()) {
    if (everything || c.when == swarmscope::ceph::When::kEvery) {
      out.push_back(&c);
    }
  }
  return out;
}

Sample Refresh(ClusterRefresh& refresh, FakeCluster& cluster, bool first) {
  Sample s;
  s.replies_mib = static_cast<double>(cluster.Prepare(Commands(first))) / kMib;
  s.at_start_mib = static_cast<double>(g_live.load()) / kMib;
  g_peak.store(g_live.load());
  const int64_t allocations = g_allocations.load();
  const double cpu = ProcessCpuMs();
  const auto wall = std::chrono::steady_clock::now();
  const bool ok = refresh.RefreshOnce(cluster);
  s.wall_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - wall).count();
  s.cpu_ms = ProcessCpuMs() - cpu;
  s.peak_mib = static_cast<double>(g_peak.load()) / kMib;
  s.allocations = g_allocations.load() - allocations;
  s.asked = cluster.TakeAsked();
  const auto snapshot = refresh.Snapshot();
  s.text_bytes = snapshot.text ? snapshot.text->size() : 0;
  if (!ok || !snapshot.ok) {
    std::printf("refresh failed: %s\n", snapshot.problem.c_str());
  }
  return s;
}

// Prints the samples' medians; returns the median CPU time and the highest peak.
std::pair<double, double> Report(const char* what, const std::vector<Sample>& samples) {
  std::vector<double> cpu;
  std::vector<double> wall;
  std::vector<double> peak;
  for (const Sample& s : samples) {
    cpu.push_back(s.cpu_ms);
    wall.push_back(s.wall_ms);
    peak.push_back(s.peak_mib);
  }
  const Sample& last = samples.back();
  std::printf(
      "%-12s cpu=%7.1f ms (min %.1f, max %.1f)  wall=%7.1f ms  peak heap=%5.1f MiB (max %.1f; at "
      "start %.1f, of which replies %.1f; +%.1f MiB during)  allocations=%lld  text=%zu bytes\n",
      what, Median(cpu), *std::min_element(cpu.begin(), cpu.end()),
      *std::max_element(cpu.begin(), cpu.end()), Median(wall), Median(peak),
      *std::max_element(peak.begin(), peak.end()), last.at_start_mib, last.replies_mib,
      last.peak_mib - last.at_start_mib, static_cast<long long>(last.allocations), last.text_bytes);
  std::string sent;
  for (const std::string& a : last.asked) {
    sent += (sent.empty() ? "" : " ") + a;
  }
  std::printf("%-12s commands sent: %s\n", what, sent.c_str());
  return {Median(cpu), *std::max_element(peak.begin(), peak.end())};
}

// What the rendering holds: a check that the synthetic outputs were read as meant.
void Check(const std::string& text) {
  std::map<std::string, int> series;
  double pg_total = 0;
  size_t lines = 0;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') {
      continue;
    }
    ++lines;
    const std::string name = line.substr(0, line.find_first_of("{ "));
    ++series[name];
    if (name == "ceph_pg_total") {
      pg_total += std::stod(line.substr(line.rfind(' ') + 1));
    }
  }
  std::printf(
      "rendering: %zu series; ceph_osd_up=%d ceph_osd_metadata=%d ceph_pool_metadata=%d "
      "ceph_pool_stored=%d ceph_pg_total=%d (sum %.0f) ceph_pg_active=%d\n",
      lines, series["ceph_osd_up"], series["ceph_osd_metadata"], series["ceph_pool_metadata"],
      series["ceph_pool_stored"], series["ceph_pg_total"], pg_total, series["ceph_pg_active"]);
}

// Boost.JSON's parser with a handler that keeps nothing: what any use of it costs at least.
// Its compiled part comes from exporter_ceph (pg_dump.cc compiles it; a second copy here
// would define its symbols twice).
struct NullHandler {
  using ec = boost::json::error_code;
  using sv = boost::json::string_view;
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);
  bool on_document_begin(ec&) { return true; }
  bool on_document_end(ec&) { return true; }
  bool on_array_begin(ec&) { return true; }
  bool on_array_end(std::size_t, ec&) { return true; }
  bool on_object_begin(ec&) { return true; }
  bool on_object_end(std::size_t, ec&) { return true; }
  bool on_string_part(sv, std::size_t, ec&) { return true; }
  bool on_string(sv, std::size_t, ec&) { return true; }
  bool on_key_part(sv, std::size_t, ec&) { return true; }
  bool on_key(sv, std::size_t, ec&) { return true; }
  bool on_number_part(sv, ec&) { return true; }
  bool on_int64(int64_t, sv, ec&) { return true; }
  bool on_uint64(uint64_t, sv, ec&) { return true; }
  bool on_double(double, sv, ec&) { return true; }
  bool on_bool(bool, ec&) { return true; }
  bool on_null(ec&) { return true; }
  bool on_comment_part(sv, ec&) { return true; }
  bool on_comment(sv, ec&) { return true; }
};

// The one floor: pg dump parsed as the refresh does, and merely validated.
void Floor(std::string_view text, int iterations) {
  std::vector<double> parse;
  std::vector<double> boost;
  bool valid = true;
  for (int i = 0; i < iterations; ++i) {
    double t = ProcessCpuMs();
    const auto dump = swarmscope::ceph::ParsePgDump(text);
    parse.push_back(ProcessCpuMs() - t);
    t = ProcessCpuMs();
    boost::json::basic_parser<NullHandler> parser{boost::json::parse_options{}};
    boost::json::error_code ec;
    valid = parser.write_some(false, text.data(), text.size(), ec) == text.size() && !ec && valid;
    boost.push_back(ProcessCpuMs() - t);
  }
  const auto mbs = [&](const std::vector<double>& v) {
    return static_cast<double>(text.size()) / 1e3 / Median(v);
  };
  std::printf(
      "floor pg_dump (%zu bytes, median of %d): ParsePgDump %.2f ms (%.0f MB/s); Boost.JSON's "
      "basic_parser validating it, building nothing, %.2f ms (%.0f MB/s)%s\n",
      text.size(), iterations, Median(parse), mbs(parse), Median(boost), mbs(boost),
      valid ? "" : "; NOT valid JSON");
}

}  // namespace

int main(int argc, char** argv) {
  int iterations = 7;
  swarmscope::bench::CephShape shape;
  for (int i = 1; i < argc; ++i) {
    if (std::sscanf(argv[i], "--iterations=%d", &iterations) != 1 &&
        std::sscanf(argv[i], "--osds=%d", &shape.osds) != 1 &&
        std::sscanf(argv[i], "--pools=%d", &shape.pools) != 1 &&
        std::sscanf(argv[i], "--pgs=%d", &shape.pgs) != 1) {
      std::fprintf(stderr, "usage: %s [--iterations=N] [--osds=N] [--pools=N] [--pgs=N]\n",
                   argv[0]);
      return 2;
    }
  }
  iterations = std::max(1, iterations);
  shape.osds = std::max(20, shape.osds);
  shape.pools = std::max(10, shape.pools);
  shape.pgs = std::max(shape.pools, shape.pgs);

  FakeCluster cluster;
  {
    // Generated once; every temporary is gone before anything is measured.
    const swarmscope::bench::CephOutputs outputs = swarmscope::bench::MakeCephOutputs(shape);
    cluster.Store(outputs.by_command);
    std::printf(
        "ceph scale: synthetic Pacific outputs for %d OSDs (%d hosts, %d down), %d pools, %d PGs "
        "(%zu states, %.1f%% active+clean)\n",
        shape.osds, shape.osds / shape.osds_per_host, shape.down, shape.pools, shape.pgs,
        outputs.pg_states.size(), 100.0 * outputs.pg_states.at("active+clean") / shape.pgs);
  }
  std::printf("outputs (bytes):");
  size_t total = 0;
  for (const CommandSpec* c : Commands(true)) {
    if (const size_t n = cluster.Text(c->name).size(); n > 0) {
      std::printf(" %s=%zu", std::string(c->name).c_str(), n);
      total += n;
    }
  }
  std::printf(" total=%zu\n", total);
  std::printf(
      "counted: cpu = process CPU time (CLOCK_PROCESS_CPUTIME_ID) of one RefreshOnce, all "
      "threads; peak heap = highest live bytes through operator new in the whole process during "
      "it, counting the command replies (allocated just before, handed over as librados would), "
      "the state kept from earlier refreshes and all the refresh allocates; not counted: the fake "
      "cluster's stored outputs (malloc), librados' own memory\n");
  std::printf("idle heap before any refresh: %.2f MiB\n",
              static_cast<double>(g_live.load()) / kMib);

  std::FILE* devnull = std::fopen("/dev/null", "w");
  swarmscope::Logger log(swarmscope::LogLevel::kError, swarmscope::LogFormat::kLogfmt, devnull);
  swarmscope::NodeRole node("", "", swarmscope::ClusterMetrics::kAlways);
  Errors errors;
  const auto no_connect = [] { return std::unique_ptr<swarmscope::ceph::Cluster>(); };

  // First refreshes: a fresh ClusterRefresh each time. Steady: one more ClusterRefresh,
  // refreshed once, then again and again with nothing changed.
  std::vector<Sample> first;
  for (int i = 0; i < iterations; ++i) {
    ClusterRefresh refresh(no_connect, {}, node, errors, log);
    first.push_back(Refresh(refresh, cluster, true));
  }
  std::vector<Sample> steady;
  std::string text;
  {
    ClusterRefresh refresh(no_connect, {}, node, errors, log);
    Refresh(refresh, cluster, true);
    for (int i = 0; i < iterations; ++i) {
      steady.push_back(Refresh(refresh, cluster, false));
    }
    text = *refresh.Snapshot().text;
  }
  std::printf("median of %d refreshes (RefreshOnce: send, parse, render):\n", iterations);
  const auto [first_cpu, first_peak] = Report("first", first);
  const auto [steady_cpu, steady_peak] = Report("steady", steady);
  Check(text);
  Floor(cluster.Text("pg_dump"), iterations);
  const double worst_cpu = std::max(first_cpu, steady_cpu);
  const double worst_peak = std::max(first_peak, steady_peak);
  std::printf("the bars take the worse of the two: cpu median %.1f ms, peak heap max %.1f MiB\n",
              worst_cpu, worst_peak);
  for (const auto& [what, met] : {std::pair{"cpu <= 100 ms", worst_cpu <= kBarCpuMs},
                                  std::pair{"peak heap <= 32 MiB", worst_peak <= kBarPeakMib}}) {
    std::printf("bar ceph scale refresh %s: %s\n", what, met ? "met" : "NOT met");
  }
  std::fclose(devnull);
  return 0;
}
