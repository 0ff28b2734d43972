// Exposition writer vs prometheus-cpp's TextSerializer on identical content:
// 40 families x 1000 series x 7 labels. Prints the ratio measured in this run.
//
//   build/tests/bench/writer_bench [--benchmark_min_time=0.5]

#include <benchmark/benchmark.h>
#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>

#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "collector/metric_writer.h"

namespace {

constexpr int kFamilies = 40;
constexpr int kSeries = 1000;
constexpr int kLabels = 7;

// What an exporter has in hand: per container its label values, per family a value.
struct Data {
  std::vector<std::string> family_names;
  std::vector<std::vector<std::pair<std::string, std::string>>> series_labels;
  std::vector<std::vector<double>> values;  // [family][series]
};

const Data& TheData() {
  static const Data data = [] {
    Data d;
    const char* names[kLabels] = {"id",
                                  "name",
                                  "image",
                                  "container_label_com_docker_swarm_node_id",
                                  "container_label_com_docker_swarm_service_name",
                                  "container_label_com_docker_swarm_task_id",
                                  "container_label_com_docker_stack_namespace"};
    for (int f = 0; f < kFamilies; ++f) {
      d.family_names.push_back("container_metric_" + std::to_string(f) + "_total");
    }
    for (int s = 0; s < kSeries; ++s) {
      std::vector<std::pair<std::string, std::string>> labels;
      const std::string id = std::to_string(1000000 + s) + std::string(57, 'a');
      labels.emplace_back(names[0], "/docker/" + id);
      labels.emplace_back(names[1],
                          "stack_service." + std::to_string(s % 50) + ".x" + id.substr(0, 25));
      labels.emplace_back(names[2],
                          "registry.example:5000/app/service-" + std::to_string(s % 50) + ":1.2.3");
      labels.emplace_back(names[3], "n0de1d" + std::to_string(s % 5) + "xxxxxxxxxxxxxxxx");
      labels.emplace_back(names[4], "stack_service" + std::to_string(s % 50));
      labels.emplace_back(names[5], "task" + id.substr(0, 25));
      labels.emplace_back(names[6], "stack");
      d.series_labels.push_back(std::move(labels));
    }
    d.values.resize(kFamilies);
    for (int f = 0; f < kFamilies; ++f) {
      for (int s = 0; s < kSeries; ++s) {
        d.values[f].push_back(f % 3 == 0 ? 123456789.0 * s : 0.001 * s * f + 0.5);
      }
    }
    return d;
  }();
  return data;
}

std::vector<prometheus::MetricFamily> BuildFamilies(const Data& d) {
  std::vector<prometheus::MetricFamily> families;
  for (int f = 0; f < kFamilies; ++f) {
    prometheus::MetricFamily family;
    family.name = d.family_names[f];
    family.help = "A counter of the benchmark.";
    family.type = prometheus::MetricType::Counter;
    for (int s = 0; s < kSeries; ++s) {
      prometheus::ClientMetric m;
      for (const auto& [k, v] : d.series_labels[s]) {
        m.label.push_back({k, v});
      }
      m.counter.value = d.values[f][s];
      family.metric.push_back(std::move(m));
    }
    families.push_back(std::move(family));
  }
  return families;
}

// Our writer, from the raw data: label sets rendered once per container per scrape.
void BM_Writer(benchmark::State& state) {
  const Data& d = TheData();
  std::vector<swarmscope::MetricSpec> specs;
  for (const auto& n : d.family_names) {
    specs.push_back({n, swarmscope::MetricType::kCounter, "A counter of the benchmark."});
  }
  size_t bytes = 0;
  // As in the daemon: one writer per exporter, its buffer kept from scrape to scrape.
  swarmscope::MetricWriter writer;
  std::vector<swarmscope::LabelSet> labels(kSeries);
  auto scrape = [&] {
    writer.Reset();
    // Label sets rendered once per container per scrape, then reused by every family.
    for (int s = 0; s < kSeries; ++s) {
      labels[s].clear();
      for (const auto& [k, v] : d.series_labels[s]) {
        labels[s].Add(k, v);
      }
    }
    for (int f = 0; f < kFamilies; ++f) {
      auto& family = writer.Family(specs[f]);
      for (int s = 0; s < kSeries; ++s) {
        family.Add(labels[s], d.values[f][s]);
      }
    }
    bytes = writer.text().size();
    benchmark::DoNotOptimize(writer.text().data());
  };
  scrape();  // warm: a running daemon has scraped before
  for (auto _ : state) {
    scrape();
  }
  state.counters["bytes"] = static_cast<double>(bytes);
  state.SetBytesProcessed(static_cast<int64_t>(bytes) * state.iterations());
}
BENCHMARK(BM_Writer)->Unit(benchmark::kMillisecond);

// The writer with fresh memory every time (no buffer reuse): what reuse saves here, where
// faulting in fresh pages is expensive.
void BM_WriterCold(benchmark::State& state) {
  const Data& d = TheData();
  std::vector<swarmscope::MetricSpec> specs;
  for (const auto& n : d.family_names) {
    specs.push_back({n, swarmscope::MetricType::kCounter, "A counter of the benchmark."});
  }
  for (auto _ : state) {
    swarmscope::MetricWriter writer;
    std::vector<swarmscope::LabelSet> labels(kSeries);
    for (int s = 0; s < kSeries; ++s) {
      for (const auto& [k, v] : d.series_labels[s]) {
        labels[s].Add(k, v);
      }
    }
    for (int f = 0; f < kFamilies; ++f) {
      auto& family = writer.Family(specs[f]);
      for (int s = 0; s < kSeries; ++s) {
        family.Add(labels[s], d.values[f][s]);
      }
    }
    benchmark::DoNotOptimize(writer.text().data());
  }
}
BENCHMARK(BM_WriterCold)->Unit(benchmark::kMillisecond);

// TextSerializer on families built beforehand (its most favourable case).
void BM_TextSerializer(benchmark::State& state) {
  const auto families = BuildFamilies(TheData());
  size_t bytes = 0;
  for (auto _ : state) {
    std::ostringstream out;
    prometheus::TextSerializer().Serialize(out, families);
    bytes = out.str().size();
    benchmark::DoNotOptimize(bytes);
  }
  state.counters["bytes"] = static_cast<double>(bytes);
  state.SetBytesProcessed(static_cast<int64_t>(bytes) * state.iterations());
}
BENCHMARK(BM_TextSerializer)->Unit(benchmark::kMillisecond);

// TextSerializer including building the families, as a registry-based exporter would.
void BM_TextSerializerWithBuild(benchmark::State& state) {
  for (auto _ : state) {
    const auto families = BuildFamilies(TheData());
    std::ostringstream out;
    prometheus::TextSerializer().Serialize(out, families);
    benchmark::DoNotOptimize(out.str().size());
  }
}
BENCHMARK(BM_TextSerializerWithBuild)->Unit(benchmark::kMillisecond);

class RatioReporter : public benchmark::ConsoleReporter {
 public:
  RatioReporter() : ConsoleReporter(OO_Tabular) {}
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& run : runs) {
      if (run.run_type == Run::RT_Iteration && run.iterations > 0) {
        times_[run.benchmark_name()] = run.GetAdjustedRealTime();
      }
    }
    ConsoleReporter::ReportRuns(runs);
  }
  std::map<std::string, double> times_;
};

// The writer's bar: at least this many times faster than TextSerializer, measured in the same run.
constexpr double kBarRatio = 10;

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  const auto& t = reporter.times_;
  if (t.count("BM_Writer") && t.count("BM_TextSerializer")) {
    const double ratio = t.at("BM_TextSerializer") / t.at("BM_Writer");
    std::printf("\nratio: writer is %.1fx faster than TextSerializer (serialize only)\n", ratio);
    std::printf("bar writer >= %.0fx faster than TextSerializer (serialize only): %s\n", kBarRatio,
                ratio >= kBarRatio ? "met" : "NOT met");
  } else {
    std::printf("ratio: not measured (BM_Writer or BM_TextSerializer did not run)\n");
    std::printf("bar writer >= %.0fx faster than TextSerializer (serialize only): NOT met\n",
                kBarRatio);
  }
  if (t.count("BM_WriterCold") && t.count("BM_TextSerializer")) {
    std::printf("ratio: writer without buffer reuse is %.1fx faster than TextSerializer\n",
                t.at("BM_TextSerializer") / t.at("BM_WriterCold"));
  }
  if (t.count("BM_Writer") && t.count("BM_TextSerializerWithBuild")) {
    std::printf("ratio: writer is %.1fx faster than building families + TextSerializer\n",
                t.at("BM_TextSerializerWithBuild") / t.at("BM_Writer"));
  }
  benchmark::Shutdown();
  return 0;
}
