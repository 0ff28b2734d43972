#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <string_view>
#include <type_traits>

namespace swarmscope {

/// Prometheus metric types as written in `# TYPE` lines of text format 0.0.4.
enum class MetricType { kCounter, kGauge, kUntyped };

/// One metric family's constant description: the row of an exporter's metric table.
struct MetricSpec {
  std::string_view name;
  MetricType type;
  std::string_view help;
  /// The labels the family's series carry beyond an exporter's common ones, as documented
  /// (e.g. "state"; "" for none). The docs are generated from it and tests check it.
  std::string_view labels = {};
};

/// Appends `value` escaped as a label value (`\`, `"`, newline), replacing invalid UTF-8
/// with U+FFFD so that the exposition is always valid.
void AppendEscapedLabelValue(std::string& out, std::string_view value);
/// Appends `help` escaped for a HELP line (`\` and newline).
void AppendEscapedHelp(std::string& out, std::string_view help);
/// Appends a sample value: integers without exponent, NaN, +Inf, -Inf, else the shortest
/// text that parses back to the same double.
void AppendValue(std::string& out, double value);
void AppendValue(std::string& out, uint64_t value);
void AppendValue(std::string& out, int64_t value);
/// Any other integer type, without going through double.
template <typename T>
requires(std::is_integral_v<T> && !std::is_same_v<T, bool>) void AppendValue(std::string& out,
                                                                             T value) {
  if constexpr (std::is_signed_v<T>) {
    AppendValue(out, static_cast<int64_t>(value));
  } else {
    AppendValue(out, static_cast<uint64_t>(value));
  }
}

/// Replaces every character not valid in a label name with '_' (as cAdvisor does for
/// container_label_<key>).
std::string SanitizeLabelName(std::string_view key);

/// A label set rendered once (`a="x",b="y"`) and reused for every series that carries it,
/// such as a container's id, name, image and swarm labels.
class LabelSet {
 public:
  LabelSet() = default;
  /// Adds one label. `name` must be a valid label name; `value` is escaped here.
  LabelSet& Add(std::string_view name, std::string_view value);
  /// Appends every label of `other` after this set's.
  LabelSet& Append(const LabelSet& other);
  std::string_view rendered() const { return text_; }
  bool empty() const { return text_.empty(); }
  void clear() { text_.clear(); }

 private:
  std::string text_;
};

class MetricWriter;

/// A handle on one family of a MetricWriter. Samples go straight into the writer's
/// buffer; HELP and TYPE are written before the first sample.
class FamilyWriter {
 public:
  /// A sample with the given labels (may be empty).
  template <typename V>
  void Add(const LabelSet& labels, V value) {
    std::string& out = BeginSeries(labels.rendered(), {}, {});
    AppendValue(out, value);
    EndSample(out);
  }
  /// A sample with the shared labels plus one extra label (e.g. `cpu="total"`).
  template <typename V>
  void Add(const LabelSet& labels, std::string_view extra_name, std::string_view extra_value,
           V value) {
    std::string& out = BeginSeries(labels.rendered(), extra_name, extra_value);
    AppendValue(out, value);
    EndSample(out);
  }
  /// A sample with the shared labels plus a second pre-rendered set.
  template <typename V>
  void Add(const LabelSet& labels, const LabelSet& extra, V value) {
    std::string& out = BeginSeriesRendered(labels.rendered(), extra.rendered());
    AppendValue(out, value);
    EndSample(out);
  }
  /// A sample with an explicit timestamp in milliseconds since the epoch.
  template <typename V>
  void AddWithTimestamp(const LabelSet& labels, V value, int64_t timestamp_ms) {
    std::string& out = BeginSeries(labels.rendered(), {}, {});
    AppendValue(out, value);
    out += ' ';
    AppendValue(out, timestamp_ms);
    out += '\n';
  }
  /// A sample without labels.
  template <typename V>
  void Add(V value) {
    Add(LabelSet(), value);
  }

  const MetricSpec& spec() const { return spec_; }

 private:
  friend class MetricWriter;
  enum class State { kUnused, kOpen, kClosed };
  FamilyWriter(MetricWriter& writer, const MetricSpec& spec) : writer_(writer), spec_(spec) {}
  std::string& BeginSeries(std::string_view rendered, std::string_view extra_name,
                           std::string_view extra_value);
  std::string& BeginSeriesRendered(std::string_view rendered, std::string_view extra_rendered);
  std::string& Open();

  void EndSample(std::string& out);

  MetricWriter& writer_;
  MetricSpec spec_;
  State state_ = State::kUnused;
};

/// Streaming writer of the text exposition format 0.0.4 for the data plane.
///
/// Families are written one after the other (family-major): an exporter first gathers its
/// data into plain structs, then writes each family's samples in turn. HELP and TYPE go out
/// exactly once, before a family's first sample; families without samples are left out.
/// Coming back to a family after another one has started breaks the format: the sample is
/// still written, and counted in out_of_order() so tests catch it.
///
/// The buffer keeps its capacity between collections (a writer lives as long as its
/// exporter), so a scrape does not fault in fresh memory. With a sink, text is handed over
/// in chunks of about `flush_bytes` as it is produced, so a large exposition never needs to
/// be held whole.
class MetricWriter {
 public:
  using Sink = std::function<void(std::string_view chunk)>;
  explicit MetricWriter(Sink sink = {}, size_t flush_bytes = 64 * 1024);
  MetricWriter(const MetricWriter&) = delete;
  MetricWriter& operator=(const MetricWriter&) = delete;

  /// The family named by `spec`, created on first use. The reference stays valid until
  /// Reset(). Requesting a name again returns the same family.
  FamilyWriter& Family(const MetricSpec& spec);

  /// The text written since the last Take/Reset (everything, when there is no sink).
  const std::string& text() const { return buffer_; }
  /// Hands what is buffered to the sink (no-op without one).
  void Flush();
  /// Appends the buffered text to `out` and starts a new exposition (keeps capacity).
  void TakeInto(std::string& out);
  /// Starts a new exposition: forgets families and text, keeps the buffer's capacity.
  void Reset();
  /// Moves the buffer (text and capacity) out and starts a new exposition.
  std::string TakeBuffer();
  /// Starts a new exposition in `buffer`'s memory (its text is discarded).
  void AdoptBuffer(std::string buffer);

  size_t out_of_order() const { return out_of_order_; }

  /// Gives every following sample an explicit timestamp (ms since the epoch); 0 = none.
  void SetTimestamp(int64_t timestamp_ms) { timestamp_ms_ = timestamp_ms; }

 private:
  friend class FamilyWriter;
  std::string& Switch(FamilyWriter& family);
  void MaybeFlush();

  Sink sink_;
  size_t flush_bytes_;
  std::string buffer_;
  std::deque<FamilyWriter> families_;
  FamilyWriter* current_ = nullptr;
  size_t out_of_order_ = 0;
  int64_t timestamp_ms_ = 0;
};

/// Appends `# HELP` and `# TYPE` lines for `spec`.
void AppendFamilyHeader(std::string& out, const MetricSpec& spec);
/// The same for any family: `# HELP name help` (escaped) and `# TYPE name type`.
void AppendFamilyHeader(std::string& out, std::string_view name, std::string_view help,
                        std::string_view type);
std::string_view MetricTypeName(MetricType type);

}  // namespace swarmscope
