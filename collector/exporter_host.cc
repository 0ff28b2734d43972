#include "collector/exporter_host.h"

#include <exception>

namespace swarmscope {

ExporterHost::ExporterHost(SelfMetrics& self, Logger& log) : self_(self), log_(log) {}

ExporterHost::ExporterHost(SelfMetrics& self, Logger& log, std::vector<NamedExporter> exporters)
    : ExporterHost(self, log) {
  for (auto& e : exporters) {
    Add(std::move(e.name), std::move(e.exporter));
  }
}

ExporterHost::~ExporterHost() {
  RequestStop();
  // Slots go in reverse order; each joins its tasks before its exporter goes.
  while (!slots_.empty()) {
    slots_.pop_back();
  }
}

void ExporterHost::Add(std::string name, std::unique_ptr<Exporter> exporter) {
  auto slot = std::make_unique<Slot>(name, self_.ErrorsFor(name));
  slot->exporter = std::move(exporter);
  slot->ready = slot->exporter.get();
  slot->reason.clear();
  slots_.push_back(std::move(slot));
}

void ExporterHost::AddEnabled(const std::vector<ExporterSpec>& specs, const SharedDeps& shared) {
  for (const auto& spec : specs) {
    const std::string& name = spec.flags.name;
    if (!shared.config.CollectorEnabled(name)) {
      continue;
    }
    auto slot = std::make_unique<Slot>(name, self_.ErrorsFor(name));
    slot->create = spec.create;
    slot->deps.reset(new ExporterDeps{shared.config, shared.config.OptionsOf(name), shared.log,
                                      shared.inventory, shared.registry, shared.node, slot->errors,
                                      slot->tasks, shared.routes});
    slots_.push_back(std::move(slot));
  }
}

void ExporterHost::Start() {
  for (auto& slot : slots_) {
    if (slot->create) {
      Slot* s = slot.get();
      s->tasks.Spawn("start", [this, s](std::stop_token stop) { Create(*s, stop); });
    }
  }
}

void ExporterHost::Create(Slot& slot, std::stop_token stop) {
  Backoff backoff(std::chrono::seconds(1), std::chrono::minutes(1));
  while (!stop.stop_requested()) {
    std::string error;
    try {
      std::unique_ptr<Exporter> exporter = slot.create(*slot.deps);
      if (exporter) {
        std::lock_guard lock(slot.mu);
        slot.exporter = std::move(exporter);
        slot.ready = slot.exporter.get();
        slot.reason.clear();
        log_.Info("collector started", {{"collector", slot.name}});
        return;
      }
      error = "the factory made no exporter";
    } catch (const std::exception& e) {
      error = e.what();
    } catch (...) {
      error = "unknown exception";
    }
    slot.errors.Report("start_failed", "collector cannot start; retrying with backoff",
                       {{"error", error}});
    {
      std::lock_guard lock(slot.mu);
      slot.reason = error;
    }
    SleepFor(stop, backoff.Next());
  }
}

void ExporterHost::RequestStop() {
  for (auto& slot : slots_) {
    slot->tasks.RequestStop();
  }
}

bool ExporterHost::WaitStopped(Clock::time_point deadline) {
  bool all = true;
  for (auto& slot : slots_) {
    all = slot->tasks.WaitStopped(deadline) && all;
  }
  return all;
}

Exporter* ExporterHost::Get(size_t i, std::string* reason) const {
  const Slot& slot = *slots_[i];
  std::lock_guard lock(slot.mu);
  if (slot.ready == nullptr && reason != nullptr) {
    *reason = slot.reason;
  }
  return slot.ready;
}

std::vector<std::string> ExporterHost::Names() const {
  std::vector<std::string> names;
  names.reserve(slots_.size());
  for (const auto& s : slots_) {
    names.push_back(s->name);
  }
  return names;
}

}  // namespace swarmscope
