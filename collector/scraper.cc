#include "collector/scraper.h"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <exception>

namespace swarmscope {
namespace {

constexpr MetricSpec kCollectorDuration{
    "swarmscope_scrape_collector_duration_seconds", MetricType::kGauge,
    "Time a collector's collection took, or had taken when this scrape answered."};
constexpr MetricSpec kCollectorSuccess{
    "swarmscope_scrape_collector_success", MetricType::kGauge,
    "1 if the collector's collection finished in time and succeeded, else 0."};
constexpr MetricSpec kLastSuccess{
    "swarmscope_collector_last_success_timestamp_seconds", MetricType::kGauge,
    "When the collector's data was last known to be current, unix seconds: its last successful "
    "background refresh, or its last successful collection. Absent until the first."};
constexpr MetricSpec kUnavailable{
    "swarmscope_collector_unavailable_info", MetricType::kGauge,
    "1 while the collector cannot run, with the reason: starting, or why it could not start "
    "(it is retried with backoff)."};

size_t PoolSize(size_t exporters) { return std::clamp<size_t>(exporters, 1, 8); }

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

struct Scraper::Slot {
  std::string name;
  ErrorReporter* errors = nullptr;
  std::shared_ptr<Run> inflight;  // guarded by Scraper::mu_
  double last_success = 0;        // unix seconds, guarded by Scraper::mu_
  // The text buffer of the last finished run, handed to the next run so that a collection
  // writes into memory that is already mapped (fresh pages are costly) .
  std::mutex spare_mu;
  std::string spare;
};

// One collection of one exporter, shared by every scrape that waits for it.
struct Scraper::Run {
  explicit Run(Slot& owner) : slot(owner) {}
  // The last scrape to let go of a run gives its buffer back to the slot.
  ~Run() {
    std::lock_guard lock(slot.spare_mu);
    if (text.capacity() > slot.spare.capacity()) {
      slot.spare = std::move(text);
    }
  }
  Slot& slot;
  Clock::time_point started;
  Clock::time_point deadline;
  // Written by the worker before `done` is set under Scraper::mu_; read after.
  bool done = false;
  bool ok = false;
  double seconds = 0;
  std::string text;
  std::shared_ptr<const std::string> served;
};

Scraper::Scraper(ExporterHost& exporters, SelfMetrics& self, Logger& log)
    : host_(exporters), self_(self), log_(log), pool_(PoolSize(exporters.size())) {
  for (size_t i = 0; i < host_.size(); ++i) {
    auto slot = std::make_unique<Slot>();
    slot->name = host_.name(i);
    slot->errors = &host_.errors(i);
    slots_.push_back(std::move(slot));
  }
}

Scraper::~Scraper() {
  Cancel();
  pool_.join();
}

std::vector<std::string> Scraper::Names() const { return host_.Names(); }

void Scraper::Cancel() {
  {
    std::lock_guard lock(mu_);
    cancelled_ = true;
  }
  cv_.notify_all();
}

bool Scraper::WaitIdle(Clock::duration timeout) {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return running_ == 0; });
}

bool Scraper::NeverBlocks() const {
  for (size_t i = 0; i < slots_.size(); ++i) {
    const Exporter* exporter = host_.Get(i, nullptr);
    if (exporter != nullptr && !exporter->NeverBlocks()) {
      return false;
    }
  }
  return true;
}

std::shared_ptr<Scraper::Run> Scraper::StartOrJoin(Slot& slot, Exporter& exporter,
                                                   Clock::time_point deadline, bool* run_here) {
  *run_here = false;
  std::lock_guard lock(mu_);
  if (slot.inflight && !slot.inflight->done) {
    return slot.inflight;
  }
  auto run = std::make_shared<Run>(slot);
  run->started = Clock::now();
  run->deadline = deadline;
  slot.inflight = run;
  ++running_;
  ++started_;
  if (exporter.NeverBlocks()) {
    *run_here = true;
  } else {
    boost::asio::post(pool_, [this, &slot, &exporter, run] { Execute(slot, exporter, run); });
  }
  return run;
}

void Scraper::Execute(Slot& slot, Exporter& exporter, const std::shared_ptr<Run>& run) {
  MetricWriter writer;
  {
    std::lock_guard lock(slot.spare_mu);
    writer.AdoptBuffer(std::move(slot.spare));
    slot.spare = std::string();
  }
  ScrapeContext ctx(run->deadline, cancelled_, *slot.errors);
  bool ok = false;
  try {
    ok = exporter.Collect(ctx, writer);
  } catch (const std::exception& e) {
    // A bug in the exporter: keep the daemon up, report the collector as failed.
    log_.Error("collector threw", {{"collector", slot.name}, {"error", e.what()}});
  } catch (...) {
    log_.Error("collector threw", {{"collector", slot.name}, {"error", "unknown exception"}});
  }
  if (writer.out_of_order() > 0) {
    log_.Error("collector wrote a family in two places (a bug)", {{"collector", slot.name}});
  }
  std::string text = writer.TakeBuffer();
  const double seconds = Seconds(Clock::now() - run->started);
  if (Clock::now() > run->deadline) {
    log_.Warn("collector finished after its deadline",
              {{"collector", slot.name}, {"duration_seconds", std::to_string(seconds)}});
  }
  self_.ObserveCollection(slot.name, seconds, ok, false);
  const auto data_time = ctx.data_time().value_or(std::chrono::system_clock::now());
  {
    std::lock_guard lock(mu_);
    if (ok) {
      slot.last_success = std::chrono::duration<double>(data_time.time_since_epoch()).count();
    }
    run->text = std::move(text);
    run->served = ctx.served();
    run->ok = ok;
    run->seconds = seconds;
    run->done = true;
    if (slot.inflight == run) {
      slot.inflight.reset();
    }
    --running_;
  }
  cv_.notify_all();
}

void Scraper::Scrape(Clock::time_point deadline, std::string& out) {
  ScrapeOutput pieces;
  Scrape(deadline, pieces);
  pieces.AppendTo(out);
}

void Scraper::Scrape(Clock::time_point deadline, ScrapeOutput& out) {
  std::vector<std::shared_ptr<Run>> runs(slots_.size());
  std::vector<std::string> unavailable(slots_.size());
  std::vector<Exporter*> here(slots_.size(), nullptr);
  for (size_t i = 0; i < slots_.size(); ++i) {
    if (Exporter* exporter = host_.Get(i, &unavailable[i])) {
      bool run_here = false;
      runs[i] = StartOrJoin(*slots_[i], *exporter, deadline, &run_here);
      if (run_here) {
        here[i] = exporter;
      }
    }
  }
  // The pool's runs are under way; those that never block run here meanwhile.
  for (size_t i = 0; i < slots_.size(); ++i) {
    if (here[i] != nullptr) {
      Execute(*slots_[i], *here[i], runs[i]);
    }
  }
  auto finished = [](const std::shared_ptr<Run>& r) { return r == nullptr || r->done; };
  {
    std::unique_lock lock(mu_);
    cv_.wait_until(lock, deadline,
                   [&] { return cancelled_ || std::all_of(runs.begin(), runs.end(), finished); });
  }

  // Runs that are done are immutable from here on: their text is borrowed, not copied.
  std::vector<bool> done(runs.size());
  {
    std::lock_guard lock(mu_);
    for (size_t i = 0; i < runs.size(); ++i) {
      done[i] = runs[i] != nullptr && runs[i]->done;
    }
  }
  const auto now = Clock::now();
  std::vector<double> seconds(runs.size());
  for (size_t i = 0; i < runs.size(); ++i) {
    if (runs[i] == nullptr) {
      continue;
    }
    const Run& run = *runs[i];
    if (done[i]) {
      out.keep_alive.push_back(runs[i]);
      if (run.served) {
        out.borrowed.push_back(*run.served);
      }
      out.borrowed.push_back(run.text);
      seconds[i] = run.seconds;
    } else {
      seconds[i] = Seconds(now - run.started);
      self_.ObserveCollection(slots_[i]->name, 0, false, true);
      log_.Warn("collector did not finish before the scrape deadline",
                {{"collector", slots_[i]->name}, {"running_seconds", std::to_string(seconds[i])}});
    }
  }
  WriteCollectorSeries(runs, done, unavailable, seconds, out.tail);
  self_.Serialize(out.tail);
}

void Scraper::WriteCollectorSeries(const std::vector<std::shared_ptr<Run>>& runs,
                                   const std::vector<bool>& done,
                                   const std::vector<std::string>& unavailable,
                                   const std::vector<double>& seconds, std::string& out) const {
  std::vector<LabelSet> labels(slots_.size());
  std::vector<double> last_success(slots_.size());
  {
    std::lock_guard lock(mu_);
    for (size_t i = 0; i < slots_.size(); ++i) {
      last_success[i] = slots_[i]->last_success;
    }
  }
  for (size_t i = 0; i < slots_.size(); ++i) {
    labels[i].Add("collector", slots_[i]->name);
  }
  MetricWriter meta;
  auto& duration = meta.Family(kCollectorDuration);
  for (size_t i = 0; i < slots_.size(); ++i) {
    duration.Add(labels[i], seconds[i]);
  }
  auto& success = meta.Family(kCollectorSuccess);
  for (size_t i = 0; i < slots_.size(); ++i) {
    success.Add(labels[i], done[i] && runs[i]->ok ? 1.0 : 0.0);
  }
  auto& last = meta.Family(kLastSuccess);
  for (size_t i = 0; i < slots_.size(); ++i) {
    if (last_success[i] > 0) {
      last.Add(labels[i], last_success[i]);
    }
  }
  auto& why = meta.Family(kUnavailable);
  for (size_t i = 0; i < slots_.size(); ++i) {
    if (runs[i] == nullptr) {
      why.Add(labels[i], "reason", unavailable[i].substr(0, 200), 1);
    }
  }
  meta.TakeInto(out);
}

}  // namespace swarmscope
