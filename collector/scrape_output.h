#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace swarmscope {

/// The exposition of one scrape as pieces: the collectors' texts, borrowed from their runs
/// (kept alive here) rather than copied, then a tail the scrape wrote itself. A large
/// exposition is thus never copied whole before it is compressed.
struct ScrapeOutput {
  std::vector<std::shared_ptr<const void>> keep_alive;
  std::vector<std::string_view> borrowed;  ///< first, in order
  std::string tail;                        ///< then this

  ScrapeOutput& operator+=(std::string_view text) {
    tail += text;
    return *this;
  }
  size_t size() const {
    size_t n = tail.size();
    for (auto piece : borrowed) {
      n += piece.size();
    }
    return n;
  }
  /// Every piece, in order.
  std::vector<std::string_view> Pieces() const {
    std::vector<std::string_view> all(borrowed);
    all.push_back(tail);
    return all;
  }
  void AppendTo(std::string& out) const {
    out.reserve(out.size() + size());
    for (auto piece : borrowed) {
      out += piece;
    }
    out += tail;
  }
};

}  // namespace swarmscope
