// libFuzzer target: the core's small parsers (/proc stat, durations, Accept-Encoding,
// gzip inflate) on arbitrary bytes: no crash, no hang, no sanitizer report.

#include <cstdint>
#include <string>
#include <string_view>

#include "collector/config.h"
#include "collector/gzip.h"
#include "collector/process_stats.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  (void)swarmscope::ParseProcStat(input);
  (void)swarmscope::ParseBootTime(input);
  (void)swarmscope::AcceptsGzip(input);
  if (const auto d = swarmscope::ParseDuration(input)) {
    // Whatever parses must format and parse back to the same duration.
    if (swarmscope::ParseDuration(swarmscope::FormatDuration(*d)) != d) {
      __builtin_trap();
    }
  }
  std::string out;
  (void)swarmscope::GzipDecompress(input, out);
  return 0;
}
