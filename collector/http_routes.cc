#include "collector/http_routes.h"

#include <utility>

namespace swarmscope {

void HttpRoutes::Add(std::string path, Route route) {
  auto shared = std::make_shared<const Route>(std::move(route));
  std::lock_guard lock(mu_);
  auto& slot = routes_[std::move(path)];
  if (slot) {
    replaced_.push_back(std::move(slot));
  }
  slot = std::move(shared);
}

std::shared_ptr<const Route> HttpRoutes::Find(std::string_view path) const {
  std::lock_guard lock(mu_);
  const auto it = routes_.find(path);
  return it == routes_.end() ? nullptr : it->second;
}

}  // namespace swarmscope
