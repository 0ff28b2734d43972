#pragma once

#include <atomic>
#include <boost/asio/thread_pool.hpp>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "collector/exporter.h"
#include "collector/exporter_host.h"
#include "collector/scrape_output.h"
#include "collector/self_metrics.h"

namespace swarmscope {

/// The scrape engine. Every enabled exporter runs on a small worker pool under a deadline;
/// one that overruns or fails yields `swarmscope_scrape_collector_success 0` and the answer
/// still goes out on time with everything else.
///
/// Single-flight per exporter: while a collection of an exporter is running, every scrape
/// that needs that exporter waits for the same collection instead of starting another, so
/// two Prometheus replicas do not double the cost and a hung source never piles up threads.
///
/// Each scrape also reports, per collector, when its data was last known to be current
/// (`swarmscope_collector_last_success_timestamp_seconds`) and, while it cannot run, why
/// (`swarmscope_collector_unavailable_info{reason}`).
class Scraper {
 public:
  Scraper(ExporterHost& exporters, SelfMetrics& self, Logger& log);
  ~Scraper();
  Scraper(const Scraper&) = delete;
  Scraper& operator=(const Scraper&) = delete;

  /// Appends the data plane exposition, the per-scrape collector metrics and the self
  /// metrics to `out`, returning no later than `deadline` (or at once after Cancel()).
  void Scrape(Clock::time_point deadline, ScrapeOutput& out);
  /// The same, joined into one string (tests, tools).
  void Scrape(Clock::time_point deadline, std::string& out);

  /// Shutdown: waiting scrapes answer now, running collections see ctx.Expired().
  void Cancel();

  /// Waits up to `timeout` for running collections to end; false if some are still running.
  bool WaitIdle(Clock::duration timeout);

  /// True when every exporter that exists now never blocks (Exporter::NeverBlocks), so a
  /// scrape returns at once, without waiting on another thread.
  bool NeverBlocks() const;

  /// Names of the exporters, in table order.
  std::vector<std::string> Names() const;

  /// Collections started so far (for tests of single-flight).
  uint64_t collections_started() const { return started_.load(); }

 private:
  struct Run;
  struct Slot;

  // Starts a run (on the pool, or, for an exporter that never blocks, leaves it to the caller
  // and sets `*run_here`), or joins the one in flight.
  std::shared_ptr<Run> StartOrJoin(Slot& slot, Exporter& exporter, Clock::time_point deadline,
                                   bool* run_here);
  void Execute(Slot& slot, Exporter& exporter, const std::shared_ptr<Run>& run);
  void WriteCollectorSeries(const std::vector<std::shared_ptr<Run>>& runs,
                            const std::vector<bool>& done,
                            const std::vector<std::string>& unavailable,
                            const std::vector<double>& seconds, std::string& out) const;

  ExporterHost& host_;
  SelfMetrics& self_;
  Logger& log_;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::atomic<bool> cancelled_{false};
  std::atomic<uint64_t> started_{0};
  // Completion of any run, and cancellation, are signalled here.
  mutable std::mutex mu_;
  std::condition_variable cv_;
  int running_ = 0;
  boost::asio::thread_pool pool_;
};

}  // namespace swarmscope
