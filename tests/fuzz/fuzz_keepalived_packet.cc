// Feeds arbitrary bytes to the keepalived exporter's VRRP advert parser (vrrp_packet.h) as
// one IPv4 packet: it must return an advert or an error, never crash or read out of bounds,
// and an advert must agree with the bytes it came from.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "exporters/keepalived/vrrp_packet.h"

namespace {

using swarmscope::keepalived::PacketError;
using swarmscope::keepalived::PacketErrorName;
using swarmscope::keepalived::ParseVrrpPacket;
using swarmscope::keepalived::VrrpAdvert;

void Check(bool ok) {
  if (!ok) {
    std::abort();
  }
}

// "a.b.c.d", each 0..255 without leading zeros.
bool IsDottedQuad(const std::string& s) {
  int parts = 0;
  size_t i = 0;
  while (true) {
    size_t digits = 0;
    int value = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9' && digits < 4) {
      value = value * 10 + (s[i] - '0');
      ++digits;
      ++i;
    }
    if (digits == 0 || digits > 3 || value > 255 || (digits > 1 && s[i - digits] == '0')) {
      return false;
    }
    ++parts;
    if (i == s.size()) {
      return parts == 4;
    }
    if (s[i] != '.' || parts == 4) {
      return false;
    }
    ++i;
  }
}

std::string Quad(const uint8_t* b) {
  return std::to_string(b[0]) + "." + std::to_string(b[1]) + "." + std::to_string(b[2]) + "." +
         std::to_string(b[3]);
}

bool SameAdvert(const VrrpAdvert& a, const VrrpAdvert& b) {
  return a.version == b.version && a.vrid == b.vrid && a.priority == b.priority &&
         a.interval_seconds == b.interval_seconds && a.source == b.source &&
         a.destination == b.destination && a.ttl == b.ttl && a.auth_type == b.auth_type &&
         a.addresses == b.addresses;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> packet(data, size);
  const auto result = ParseVrrpPacket(packet);
  if (const auto* e = std::get_if<PacketError>(&result)) {
    Check(!PacketErrorName(*e).empty());
    return 0;
  }
  const VrrpAdvert& a = std::get<VrrpAdvert>(result);

  // It parsed, so the IP header and the VRRP fixed part are in the buffer.
  Check(size >= 20 && (data[0] >> 4) == 4);
  const size_t ihl = static_cast<size_t>(data[0] & 0x0f) * 4;
  const size_t total = static_cast<size_t>(data[2]) << 8 | data[3];
  Check(ihl >= 20 && ihl + 8 <= total && total <= size && data[9] == 112);
  const uint8_t* vrrp = data + ihl;

  Check(a.version == 2 || a.version == 3);
  Check(a.version == vrrp[0] >> 4 && (vrrp[0] & 0x0f) == 1);
  Check(a.vrid >= 1 && a.vrid <= 255 && a.vrid == vrrp[1]);
  Check(a.priority >= 0 && a.priority <= 255 && a.priority == vrrp[2]);
  Check(a.ttl == data[8]);
  Check(a.source == Quad(data + 12) && a.destination == Quad(data + 16));
  Check(IsDottedQuad(a.source) && IsDottedQuad(a.destination));

  // The address count matches the header, and they fit the VRRP message (IP payload).
  const size_t count = vrrp[3];
  const size_t fixed = 8 + (a.version == 2 ? 8 : 0);
  Check(count >= 1 && a.addresses.size() == count && fixed + 4 * count <= total - ihl);
  for (size_t i = 0; i < count; ++i) {
    Check(IsDottedQuad(a.addresses[i]) && a.addresses[i] == Quad(vrrp + 8 + 4 * i));
  }
  if (a.version == 2) {
    Check(a.interval_seconds == static_cast<double>(vrrp[5]) && a.auth_type == vrrp[4]);
  } else {
    Check(a.interval_seconds >= 0 && a.interval_seconds <= 40.95 && a.auth_type == 0);
  }

  // Bytes after the IP total length are not part of the packet: the same advert with more.
  std::vector<uint8_t> padded(data, data + size);
  padded.insert(padded.end(), {0x5a, 0xa5, 0x00, 0xff});
  const auto again = ParseVrrpPacket(padded);
  Check(std::holds_alternative<VrrpAdvert>(again) && SameAdvert(std::get<VrrpAdvert>(again), a));
  return 0;
}
