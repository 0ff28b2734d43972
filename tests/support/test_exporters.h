#pragma once

// Exporters with known behaviour for engine and server tests.

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>

#include "collector/exporter.h"

namespace swarmscope::testing {

inline constexpr MetricSpec kThrowingValue{"test_throwing_value", MetricType::kGauge,
                                           "A test value."};
inline constexpr MetricSpec kFailingValue{"test_failing_value", MetricType::kGauge,
                                          "A test value."};

/// Writes `test_value_<source>{source=<source>} 1` and succeeds, after an optional pause during
/// which it watches ctx.Expired() like a well-behaved exporter.
class FixedExporter : public Exporter {
 public:
  explicit FixedExporter(std::string source, std::chrono::milliseconds pause = {},
                         bool honour_deadline = true)
      : source_(std::move(source)),
        family_("test_value_" + source_),
        pause_(pause),
        honour_deadline_(honour_deadline) {}

  bool Collect(ScrapeContext& ctx, MetricWriter& out) override {
    ++calls;
    const auto until = Clock::now() + pause_;
    while (Clock::now() < until) {
      if (honour_deadline_ && ctx.Expired()) {
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    LabelSet labels;
    labels.Add("source", source_);
    out.Family(MetricSpec{family_, MetricType::kGauge, "A test value."}).Add(labels, 1.0);
    return true;
  }

  std::atomic<int> calls{0};

 private:
  std::string source_;
  std::string family_;
  std::chrono::milliseconds pause_;
  bool honour_deadline_;
};

/// Throws from Collect: the engine's backstop must turn it into success 0.
class ThrowingExporter : public Exporter {
 public:
  bool Collect(ScrapeContext&, MetricWriter& out) override {
    out.Family(kThrowingValue).Add(2.0);
    throw std::runtime_error("boom");
  }
};

/// Reports failure after writing a partial result and an error.
class FailingExporter : public Exporter {
 public:
  bool Collect(ScrapeContext& ctx, MetricWriter& out) override {
    LabelSet labels;
    labels.Add("source", "failing");
    out.Family(kFailingValue).Add(labels, 3.0);
    ctx.Error("read_failed", "cannot read the thing", {{"path", "/nowhere"}});
    return false;
  }
};

}  // namespace swarmscope::testing
