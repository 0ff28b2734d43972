// libFuzzer target: arbitrary label values, HELP text and values through the writer; the
// output must parse and give back the (UTF-8-sanitised) label values and the value.

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>

#include "collector/metric_writer.h"
#include "tests/support/exposition_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < sizeof(double)) {
    return 0;
  }
  double value;
  std::memcpy(&value, data, sizeof(double));
  const std::string rest(reinterpret_cast<const char*>(data) + sizeof(double),
                         size - sizeof(double));
  // Split the rest into HELP and two label values at the first two 0xFF bytes (if any).
  const size_t a = rest.find('\xff');
  const size_t b = a == std::string::npos ? a : rest.find('\xff', a + 1);
  const std::string help = rest.substr(0, a);
  const std::string v1 = a == std::string::npos ? "" : rest.substr(a + 1, b - a - 1);
  const std::string v2 = b == std::string::npos ? "" : rest.substr(b + 1);

  swarmscope::MetricWriter writer;
  swarmscope::LabelSet labels;
  labels.Add("first", v1);
  const swarmscope::MetricSpec spec{"fuzz_metric", swarmscope::MetricType::kGauge, help};
  writer.Family(spec).Add(labels, "second", v2, value);
  std::string out;
  writer.TakeInto(out);

  std::string error;
  const auto parsed = swarmscope::testing::ParseExposition(out, &error);
  if (!parsed) {
    __builtin_trap();
  }
  const auto& samples = parsed->families.at("fuzz_metric").samples;
  if (samples.size() != 1) {
    __builtin_trap();
  }
  // Label values come back exactly when they were valid UTF-8 to begin with.
  std::string expect1;
  swarmscope::AppendEscapedLabelValue(expect1, v1);
  std::string reparsed1;
  swarmscope::AppendEscapedLabelValue(reparsed1, samples[0].labels.at("first"));
  if (expect1 != reparsed1) {
    __builtin_trap();
  }
  const double got = samples[0].value;
  if (!(std::isnan(value) ? std::isnan(got) : got == value)) {
    __builtin_trap();
  }
  return 0;
}
