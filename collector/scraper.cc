#include "collector/scraper.h"

#include <algorithm>
#include <exception>

#include <boost/asio/post.hpp>

namespace swarmscope {
namespace {

constexpr MetricSpec kCollectorDuration{
    "swarmscope_scrape_collector_duration_seconds", MetricType::kGauge,
    "Time a collector's collection took, or had taken when this scrape answered."};
constexpr MetricSpec kCollectorSuccess{
    "swarmscope_scrape_collector_success", MetricType::kGauge,
    "1 if the collector's collection finished in time and succeeded, else 0."};

size_t PoolSize(size_t exporters) { return std::clamp<size_t>(exporters, 1, 8); }

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

// One collection of one exporter, shared by every scrape that waits for it.
struct Scraper::Run {
  Clock::time_point started;
  Clock::time_point deadline;
  // Written by the worker before `done` is set under Scraper::mu_; read after.
  bool done = false;
  bool ok = false;
  double seconds = 0;
  std::string text;
};

struct Scraper::Slot {
  std::string name;
  std::unique_ptr<Exporter> exporter;
  ErrorReporter* errors = nullptr;
  std::shared_ptr<Run> inflight;  // guarded by Scraper::mu_
  size_t size_hint = 0;           // last output size, for reserving
};

Scraper::Scraper(std::vector<NamedExporter> exporters, SelfMetrics& self, Logger& log)
    : self_(self), log_(log), pool_(PoolSize(exporters.size())) {
  for (auto& e : exporters) {
    auto slot = std::make_unique<Slot>();
    slot->name = std::move(e.name);
    slot->exporter = std::move(e.exporter);
    slot->errors = &self_.ErrorsFor(slot->name);
    slots_.push_back(std::move(slot));
  }
}

Scraper::~Scraper() {
  Cancel();
  pool_.join();
}

std::vector<std::string> Scraper::Names() const {
  std::vector<std::string> names;
  for (const auto& s : slots_) {
    names.push_back(s->name);
  }
  return names;
}

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

std::shared_ptr<Scraper::Run> Scraper::StartOrJoin(Slot& slot, Clock::time_point deadline) {
  std::lock_guard lock(mu_);
  if (slot.inflight && !slot.inflight->done) {
    return slot.inflight;
  }
  auto run = std::make_shared<Run>();
  run->started = Clock::now();
  run->deadline = deadline;
  slot.inflight = run;
  ++running_;
  ++started_;
  boost::asio::post(pool_, [this, &slot, run] { Execute(slot, run); });
  return run;
}

void Scraper::Execute(Slot& slot, const std::shared_ptr<Run>& run) {
  MetricWriter writer;
  ScrapeContext ctx(run->deadline, cancelled_, *slot.errors);
  bool ok = false;
  try {
    ok = slot.exporter->Collect(ctx, writer);
  } catch (const std::exception& e) {
    // A bug in the exporter: keep the daemon up, report the collector as failed.
    log_.Error("collector threw", {{"collector", slot.name}, {"error", e.what()}});
  } catch (...) {
    log_.Error("collector threw", {{"collector", slot.name}, {"error", "unknown exception"}});
  }
  std::string text;
  text.reserve(std::max(slot.size_hint, writer.SizeHint()));
  writer.Finish(text);
  const double seconds = Seconds(Clock::now() - run->started);
  if (Clock::now() > run->deadline) {
    log_.Warn("collector finished after its deadline",
              {{"collector", slot.name}, {"duration_seconds", std::to_string(seconds)}});
  }
  self_.ObserveCollection(slot.name, seconds, ok, false);
  {
    std::lock_guard lock(mu_);
    slot.size_hint = text.size();
    run->text = std::move(text);
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
  std::vector<std::shared_ptr<Run>> runs;
  runs.reserve(slots_.size());
  for (auto& slot : slots_) {
    runs.push_back(StartOrJoin(*slot, deadline));
  }
  {
    std::unique_lock lock(mu_);
    cv_.wait_until(lock, deadline, [&] {
      return cancelled_ || std::all_of(runs.begin(), runs.end(), [](const auto& r) { return r->done; });
    });
  }

  // Runs that are done are immutable from here on; copy their text without the lock.
  size_t total = 0;
  std::vector<bool> done(runs.size());
  {
    std::lock_guard lock(mu_);
    for (size_t i = 0; i < runs.size(); ++i) {
      done[i] = runs[i]->done;
      total += done[i] ? runs[i]->text.size() : 0;
    }
  }
  out.reserve(out.size() + total + 4096);
  MetricWriter meta;
  auto& durations = meta.Family(kCollectorDuration);
  auto& successes = meta.Family(kCollectorSuccess);
  const auto now = Clock::now();
  for (size_t i = 0; i < runs.size(); ++i) {
    const Run& run = *runs[i];
    LabelSet labels;
    labels.Add("collector", slots_[i]->name);
    if (done[i]) {
      out += run.text;
      durations.Add(labels, run.seconds);
      successes.Add(labels, run.ok ? 1.0 : 0.0);
    } else {
      durations.Add(labels, Seconds(now - run.started));
      successes.Add(labels, 0.0);
      self_.ObserveCollection(slots_[i]->name, 0, false, true);
      log_.Warn("collector did not finish before the scrape deadline",
                {{"collector", slots_[i]->name},
                 {"running_seconds", std::to_string(Seconds(now - run.started))}});
    }
  }
  meta.Finish(out);
  self_.Serialize(out);
}

}  // namespace swarmscope
