// Feeds arbitrary bytes to the parsers of keepalived's dumps (keepalived.data, .stats, .json
// and a VIP line): they must return or throw std::invalid_argument, never crash, hang or
// leak. What they return must hold the promises of dump_parsers.h.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string_view>

#include "exporters/keepalived/dump_parsers.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

using swarmscope::fuzz::Check;
using swarmscope::fuzz::Try;

void CheckInstance(const swarmscope::keepalived::InstanceData& i) {
  using swarmscope::keepalived::VrrpStateName;
  Check(!i.name.empty());
  Check(!VrrpStateName(i.state).empty());
  for (const auto& vip : i.vips) {
    Check(!vip.address.empty() && vip.prefix >= 0 && vip.prefix <= 128);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace swarmscope::keepalived;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  Try([&] {
    const DataDump d = ParseDataDump(text);
    for (const InstanceData& i : d.instances) {
      CheckInstance(i);
    }
    for (const ScriptData& s : d.scripts) {
      Check(!s.name.empty());
    }
  });
  Try([&] {
    for (const InstanceStats& s : ParseStatsDump(text)) {
      Check(!s.name.empty() && s.advert_rcvd >= 0 && s.pri_zero_sent >= 0);
    }
  });
  Try([&] {
    for (const JsonInstance& j : ParseJsonDump(text)) {
      CheckInstance(j.data);
      Check(j.stats.name == j.data.name);
    }
  });
  Try([&] { (void)ParseVirtualIp(text.substr(0, text.find('\n'))); });
  return 0;
}
