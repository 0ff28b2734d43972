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

struct Scraper::Slot {
  std::string name;
  std::unique_ptr<Exporter> exporter;
  ErrorReporter* errors = nullptr;
  std::shared_ptr<Run> inflight;  // guarded by Scraper::mu_
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
  auto run = std::make_shared<Run>(slot);
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
  {
    std::lock_guard lock(slot.spare_mu);
    writer.AdoptBuffer(std::move(slot.spare));
    slot.spare = std::string();
  }
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
  {
    std::lock_guard lock(mu_);
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
  ScrapeOutput pieces;
  Scrape(deadline, pieces);
  pieces.AppendTo(out);
}

void Scraper::Scrape(Clock::time_point deadline, ScrapeOutput& out) {
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

  // Runs that are done are immutable from here on: their text is borrowed, not copied.
  std::vector<bool> done(runs.size());
  {
    std::lock_guard lock(mu_);
    for (size_t i = 0; i < runs.size(); ++i) {
      done[i] = runs[i]->done;
    }
  }
  const auto now = Clock::now();
  std::vector<double> seconds(runs.size());
  for (size_t i = 0; i < runs.size(); ++i) {
    const Run& run = *runs[i];
    if (done[i]) {
      out.keep_alive.push_back(runs[i]);
      out.borrowed.push_back(run.text);
      seconds[i] = run.seconds;
    } else {
      seconds[i] = Seconds(now - run.started);
      self_.ObserveCollection(slots_[i]->name, 0, false, true);
      log_.Warn("collector did not finish before the scrape deadline",
                {{"collector", slots_[i]->name},
                 {"running_seconds", std::to_string(seconds[i])}});
    }
  }
  MetricWriter meta;
  for (size_t i = 0; i < runs.size(); ++i) {
    LabelSet labels;
    labels.Add("collector", slots_[i]->name);
    meta.Family(kCollectorDuration).Add(labels, seconds[i]);
  }
  for (size_t i = 0; i < runs.size(); ++i) {
    LabelSet labels;
    labels.Add("collector", slots_[i]->name);
    meta.Family(kCollectorSuccess).Add(labels, done[i] && runs[i]->ok ? 1.0 : 0.0);
  }
  meta.TakeInto(out.tail);
  self_.Serialize(out.tail);
}

}  // namespace swarmscope
