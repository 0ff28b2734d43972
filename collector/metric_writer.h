#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

namespace swarmscope {

/// Prometheus metric types as written in `# TYPE` lines of text format 0.0.4.
enum class MetricType { kCounter, kGauge, kUntyped };

/// One metric family's constant description: the row of an exporter's metric table.
struct MetricSpec {
  std::string_view name;
  MetricType type;
  std::string_view help;
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

/// One family being written. Obtained from MetricWriter::Family; samples are kept in the
/// family's own buffer, so an exporter may interleave families freely (e.g. container by
/// container) and still get every family's samples grouped under one HELP/TYPE.
class FamilyWriter {
 public:
  /// A sample with the given labels (may be empty).
  template <typename V>
  void Add(const LabelSet& labels, V value) {
    AddSeries(labels.rendered(), {}, {});
    AppendValue(body_, value);
    body_ += '\n';
  }
  /// A sample with the shared labels plus one extra label (e.g. `cpu="total"`).
  template <typename V>
  void Add(const LabelSet& labels, std::string_view extra_name, std::string_view extra_value,
           V value) {
    AddSeries(labels.rendered(), extra_name, extra_value);
    AppendValue(body_, value);
    body_ += '\n';
  }
  /// A sample with the shared labels plus a second pre-rendered set.
  template <typename V>
  void Add(const LabelSet& labels, const LabelSet& extra, V value) {
    AddSeriesRendered(labels.rendered(), extra.rendered());
    AppendValue(body_, value);
    body_ += '\n';
  }
  /// A sample with an explicit timestamp in milliseconds since the epoch.
  template <typename V>
  void AddWithTimestamp(const LabelSet& labels, V value, int64_t timestamp_ms) {
    AddSeries(labels.rendered(), {}, {});
    AppendValue(body_, value);
    body_ += ' ';
    AppendValue(body_, timestamp_ms);
    body_ += '\n';
  }
  /// A sample without labels.
  template <typename V>
  void Add(V value) {
    Add(LabelSet(), value);
  }

  const MetricSpec& spec() const { return spec_; }
  bool empty() const { return body_.empty(); }

 private:
  friend class MetricWriter;
  explicit FamilyWriter(const MetricSpec& spec) : spec_(spec) {}
  void AddSeries(std::string_view rendered, std::string_view extra_name,
                 std::string_view extra_value);
  void AddSeriesRendered(std::string_view rendered, std::string_view extra_rendered);

  MetricSpec spec_;
  std::string body_;
};

/// Streaming writer of the text exposition format 0.0.4 for the data plane.
///
/// HELP and TYPE are written exactly once per family, families appear in the order they
/// were first requested, samples in the order they were added. Families without samples
/// are left out. No intermediate metric objects: samples go straight to text.
class MetricWriter {
 public:
  MetricWriter() = default;
  MetricWriter(const MetricWriter&) = delete;
  MetricWriter& operator=(const MetricWriter&) = delete;

  /// The family named by `spec`, created on first use. The reference stays valid for the
  /// writer's lifetime. Requesting a name again returns the same family.
  FamilyWriter& Family(const MetricSpec& spec);

  /// Appends the whole exposition to `out` and clears the writer.
  void Finish(std::string& out);

  /// Bytes the exposition will take, for reserving.
  size_t SizeHint() const;

 private:
  std::deque<FamilyWriter> families_;
};

/// Appends `# HELP` and `# TYPE` lines for `spec`.
void AppendFamilyHeader(std::string& out, const MetricSpec& spec);
std::string_view MetricTypeName(MetricType type);

}  // namespace swarmscope
