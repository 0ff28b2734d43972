#include "collector/metric_writer.h"

#include <charconv>
#include <cmath>
#include <limits>

namespace swarmscope {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Length of the valid UTF-8 sequence starting at s[i] (lead byte >= 0x80), or 0.
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  size_t len = 0;
  uint32_t min = 0;
  uint32_t cp = 0;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2, min = 0x80, cp = b0 & 0x1Fu;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3, min = 0x800, cp = b0 & 0x0Fu;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4, min = 0x10000, cp = b0 & 0x07u;
  } else {
    return 0;
  }
  if (i + len > s.size()) {
    return 0;
  }
  for (size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0u) != 0x80u) {
      return 0;
    }
    cp = (cp << 6) | (b & 0x3Fu);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    return 0;
  }
  return len;
}

template <bool kEscapeQuote>
void AppendEscaped(std::string& out, std::string_view value) {
  size_t run_start = 0;
  auto flush = [&](size_t end) { out.append(value.data() + run_start, end - run_start); };
  for (size_t i = 0; i < value.size();) {
    const char c = value[i];
    if (static_cast<unsigned char>(c) < 0x80) {
      if (c == '\\' || c == '\n' || (kEscapeQuote && c == '"')) {
        flush(i);
        out += '\\';
        out += c == '\n' ? 'n' : c;
        run_start = i + 1;
      }
      ++i;
      continue;
    }
    const size_t len = Utf8SequenceLength(value, i);
    if (len == 0) {
      flush(i);
      out += kReplacement;
      run_start = ++i;
    } else {
      i += len;
    }
  }
  flush(value.size());
}

template <typename T>
void AppendChars(std::string& out, T value) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), value);
  out.append(buf, end);
}

}  // namespace

void AppendEscapedLabelValue(std::string& out, std::string_view value) {
  AppendEscaped<true>(out, value);
}

void AppendEscapedHelp(std::string& out, std::string_view help) { AppendEscaped<false>(out, help); }

void AppendValue(std::string& out, uint64_t value) { AppendChars(out, value); }

void AppendValue(std::string& out, int64_t value) { AppendChars(out, value); }

void AppendValue(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "NaN";
    return;
  }
  if (std::isinf(value)) {
    out += value > 0 ? "+Inf" : "-Inf";
    return;
  }
  constexpr double kTwo63 = 9223372036854775808.0;
  if (value == std::trunc(value)) {
    if (std::fabs(value) < kTwo63) {
      AppendChars(out, static_cast<int64_t>(value));
      return;
    }
    if (std::fabs(value) < 1e21) {
      char buf[32];
      auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), value, std::chars_format::fixed);
      out.append(buf, end);
      return;
    }
  }
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), value);
  out.append(buf, end);
}

std::string SanitizeLabelName(std::string_view key) {
  std::string out(key);
  for (char& c : out) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) {
      c = '_';
    }
  }
  if (!out.empty() && out[0] >= '0' && out[0] <= '9') {
    out.insert(out.begin(), '_');
  }
  return out;
}

LabelSet& LabelSet::Add(std::string_view name, std::string_view value) {
  if (!text_.empty()) {
    text_ += ',';
  }
  text_ += name;
  text_ += "=\"";
  AppendEscapedLabelValue(text_, value);
  text_ += '"';
  return *this;
}

LabelSet& LabelSet::Append(const LabelSet& other) {
  if (!other.empty()) {
    if (!text_.empty()) {
      text_ += ',';
    }
    text_ += other.text_;
  }
  return *this;
}

void FamilyWriter::EndSample(std::string& out) {
  if (writer_.timestamp_ms_ != 0) {
    out += ' ';
    AppendValue(out, writer_.timestamp_ms_);
  }
  out += '\n';
}

std::string& FamilyWriter::Open() {
  if (writer_.current_ != this) {
    return writer_.Switch(*this);
  }
  return writer_.buffer_;
}

std::string& FamilyWriter::BeginSeries(std::string_view rendered, std::string_view extra_name,
                                       std::string_view extra_value) {
  std::string& out = Open();
  out += spec_.name;
  if (rendered.empty() && extra_name.empty()) {
    out += ' ';
    return out;
  }
  out += '{';
  out += rendered;
  if (!extra_name.empty()) {
    if (!rendered.empty()) {
      out += ',';
    }
    out += extra_name;
    out += "=\"";
    AppendEscapedLabelValue(out, extra_value);
    out += '"';
  }
  out += "} ";
  return out;
}

std::string& FamilyWriter::BeginSeriesRendered(std::string_view rendered,
                                               std::string_view extra_rendered) {
  std::string& out = Open();
  out += spec_.name;
  if (rendered.empty() && extra_rendered.empty()) {
    out += ' ';
    return out;
  }
  out += '{';
  out += rendered;
  if (!rendered.empty() && !extra_rendered.empty()) {
    out += ',';
  }
  out += extra_rendered;
  out += "} ";
  return out;
}

std::string_view MetricTypeName(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kUntyped:
      return "untyped";
  }
  return "untyped";
}

void AppendFamilyHeader(std::string& out, const MetricSpec& spec) {
  AppendFamilyHeader(out, spec.name, spec.help, MetricTypeName(spec.type));
}

void AppendFamilyHeader(std::string& out, std::string_view name, std::string_view help,
                        std::string_view type) {
  out += "# HELP ";
  out += name;
  out += ' ';
  AppendEscapedHelp(out, help);
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

MetricWriter::MetricWriter(Sink sink, size_t flush_bytes)
    : sink_(std::move(sink)), flush_bytes_(flush_bytes) {}

FamilyWriter& MetricWriter::Family(const MetricSpec& spec) {
  for (auto& family : families_) {
    if (family.spec_.name == spec.name) {
      return family;
    }
  }
  return families_.emplace_back(FamilyWriter(*this, spec));
}

// The first sample of `family` after another family's: close the current one, open this.
std::string& MetricWriter::Switch(FamilyWriter& family) {
  if (current_ != nullptr) {
    current_->state_ = FamilyWriter::State::kClosed;
  }
  MaybeFlush();
  if (family.state_ == FamilyWriter::State::kClosed) {
    ++out_of_order_;
  } else {
    AppendFamilyHeader(buffer_, family.spec_);
  }
  family.state_ = FamilyWriter::State::kOpen;
  current_ = &family;
  return buffer_;
}

void MetricWriter::MaybeFlush() {
  if (sink_ && buffer_.size() >= flush_bytes_) {
    Flush();
  }
}

void MetricWriter::Flush() {
  if (sink_ && !buffer_.empty()) {
    sink_(buffer_);
    buffer_.clear();
  }
}

void MetricWriter::TakeInto(std::string& out) {
  Flush();
  out += buffer_;
  Reset();
}

std::string MetricWriter::TakeBuffer() {
  Flush();
  std::string out = std::move(buffer_);
  Reset();
  buffer_ = std::string();
  return out;
}

void MetricWriter::AdoptBuffer(std::string buffer) {
  Reset();
  buffer_ = std::move(buffer);
  buffer_.clear();
}

void MetricWriter::Reset() {
  buffer_.clear();
  families_.clear();
  current_ = nullptr;
  out_of_order_ = 0;
  timestamp_ms_ = 0;
}

}  // namespace swarmscope
