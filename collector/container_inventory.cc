#include "collector/container_inventory.h"

namespace swarmscope {

const ContainerInfo* ContainerSnapshot::Find(std::string_view id) const {
  auto it = containers.find(std::string(id));
  return it == containers.end() ? nullptr : &it->second;
}

ContainerInventory::ContainerInventory() : current_(std::make_shared<ContainerSnapshot>()) {}

std::shared_ptr<const ContainerSnapshot> ContainerInventory::Snapshot() const {
  std::lock_guard lock(mu_);
  return current_;
}

void ContainerInventory::Publish(std::shared_ptr<ContainerSnapshot> next) {
  std::lock_guard lock(mu_);
  next->generation = current_->generation + 1;
  current_ = std::move(next);
}

void ContainerInventory::Replace(std::unordered_map<std::string, ContainerInfo> containers) {
  std::lock_guard write(write_mu_);
  auto next = std::make_shared<ContainerSnapshot>();
  next->containers = std::move(containers);
  Publish(std::move(next));
}

// Writers are rare (docker events); copying the map keeps readers lock-free after Snapshot().
void ContainerInventory::Upsert(ContainerInfo info) {
  std::lock_guard write(write_mu_);
  auto next = std::make_shared<ContainerSnapshot>(*Snapshot());
  std::string id = info.id;
  next->containers[id] = std::move(info);
  Publish(std::move(next));
}

void ContainerInventory::Remove(std::string_view id) {
  std::lock_guard write(write_mu_);
  auto snap = Snapshot();
  if (!snap->Find(id)) {
    return;
  }
  auto next = std::make_shared<ContainerSnapshot>(*snap);
  next->containers.erase(std::string(id));
  Publish(std::move(next));
}

}  // namespace swarmscope
