#include "exporters/keepalived/vrrp_packet.h"

#include <cstddef>
#include <new>

namespace swarmscope::keepalived {
namespace {

constexpr size_t kIpHeaderMin = 20;  // IHL 5
constexpr uint8_t kProtocolVrrp = 112;
constexpr size_t kVrrpHeader = 8;  // version/type .. checksum
constexpr size_t kV2AuthData = 8;  // after the addresses, v2 only
constexpr int kTypeAdvertisement = 1;

uint16_t Be16(std::span<const uint8_t> b, size_t at) {
  return static_cast<uint16_t>((b[at] << 8) | b[at + 1]);
}

// The ones' complement sum of `b` as 16-bit big-endian words (an odd last byte padded with
// a zero), not folded: a uint32_t cannot overflow for the 65535 bytes at most given here.
uint32_t SumWords(std::span<const uint8_t> b) {
  uint32_t sum = 0;
  size_t i = 0;
  for (; i + 1 < b.size(); i += 2) {
    sum += Be16(b, i);
  }
  if (i < b.size()) {
    sum += static_cast<uint32_t>(b[i]) << 8;
  }
  return sum;
}

// True when `sum` (SumWords of data that include their checksum field) folds to 0xffff, that
// is when the checksum is right.
bool ChecksumOk(uint32_t sum) {
  while (sum > 0xffff) {
    sum = (sum & 0xffff) + (sum >> 16);
  }
  return sum == 0xffff;
}

// The RFC 5798 section 5.2.8 IPv4 pseudo-header: source, destination, zero, protocol,
// VRRP message length.
uint32_t PseudoHeaderSum(std::span<const uint8_t> ip, size_t vrrp_length) {
  return SumWords(ip.subspan(12, 8)) + kProtocolVrrp + static_cast<uint32_t>(vrrp_length);
}

std::string DottedQuad(std::span<const uint8_t> b, size_t at) {
  std::string s;
  s.reserve(15);
  for (size_t i = 0; i < 4; ++i) {
    if (i > 0) {
      s += '.';
    }
    s += std::to_string(static_cast<unsigned>(b[at + i]));
  }
  return s;
}

std::variant<VrrpAdvert, PacketError> Parse(std::span<const uint8_t> packet) {
  // IPv4 header (RFC 791). The buffer may be longer than the IP total length (Ethernet
  // padding of a short frame): only total_length bytes are the packet.
  if (packet.size() < kIpHeaderMin) {
    return PacketError::kTruncated;
  }
  if ((packet[0] >> 4) != 4) {
    return PacketError::kNotIpv4;
  }
  const size_t header_length = static_cast<size_t>(packet[0] & 0x0f) * 4;
  if (header_length < kIpHeaderMin) {
    return PacketError::kNotIpv4;
  }
  const size_t total_length = Be16(packet, 2);
  if (header_length > packet.size() || total_length < header_length ||
      total_length > packet.size()) {
    return PacketError::kTruncated;
  }
  if (packet[9] != kProtocolVrrp) {
    return PacketError::kNotVrrp;
  }
  const std::span<const uint8_t> ip = packet.first(total_length);
  const std::span<const uint8_t> vrrp = ip.subspan(header_length);

  // VRRP header: version/type, VRID, priority, count, then v2 auth type + adver int (s) or
  // v3 4 reserved bits + 12 bits max adver int (cs), then the checksum.
  if (vrrp.size() < kVrrpHeader) {
    return PacketError::kTruncated;
  }
  const int version = vrrp[0] >> 4;
  if (version != 2 && version != 3) {
    return PacketError::kBadVersion;
  }
  // v2's fixed part includes the authentication data after the addresses.
  const size_t fixed = kVrrpHeader + (version == 2 ? kV2AuthData : 0);
  if (vrrp.size() < fixed) {
    return PacketError::kTruncated;
  }
  // The checksum covers the whole VRRP message (the IP payload). v2: the message alone
  // (RFC 3768 5.3.8). v3: with the pseudo-header (RFC 5798 5.2.8); keepalived built with
  // OLD_CHKSUM_COMPAT sends v3 without it to unicast peers, so that is accepted too.
  const uint32_t message_sum = SumWords(vrrp);
  if (!ChecksumOk(message_sum) &&
      !(version == 3 && ChecksumOk(message_sum + PseudoHeaderSum(ip, vrrp.size())))) {
    return PacketError::kBadChecksum;
  }
  if ((vrrp[0] & 0x0f) != kTypeAdvertisement) {
    return PacketError::kBadType;
  }
  if (vrrp[1] == 0) {
    return PacketError::kBadVrid;
  }
  const size_t count = vrrp[3];
  if (count == 0 || count * 4 > vrrp.size() - fixed) {
    return PacketError::kBadAddressCount;
  }

  VrrpAdvert advert;
  advert.version = version;
  advert.vrid = vrrp[1];
  advert.priority = vrrp[2];
  if (version == 2) {
    advert.auth_type = vrrp[4];  // the auth data itself (a password) is never read
    advert.interval_seconds = static_cast<double>(vrrp[5]);
  } else {
    advert.interval_seconds = static_cast<double>(Be16(vrrp, 4) & 0x0fff) / 100.0;
  }
  advert.ttl = ip[8];
  advert.source = DottedQuad(ip, 12);
  advert.destination = DottedQuad(ip, 16);
  advert.addresses.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    advert.addresses.push_back(DottedQuad(vrrp, kVrrpHeader + 4 * i));
  }
  return advert;
}

}  // namespace

std::string_view PacketErrorName(PacketError e) {
  switch (e) {
    case PacketError::kTruncated:
      return "truncated";
    case PacketError::kNotIpv4:
      return "not_ipv4";
    case PacketError::kNotVrrp:
      return "not_vrrp";
    case PacketError::kBadVersion:
      return "bad_version";
    case PacketError::kBadType:
      return "bad_type";
    case PacketError::kBadChecksum:
      return "bad_checksum";
    case PacketError::kBadAddressCount:
      return "bad_address_count";
    case PacketError::kBadVrid:
      return "bad_vrid";
  }
  return "unknown";
}

// Order of the checks: IP header, VRRP fixed part, version (it decides the checksum), checksum
// (a corrupted packet is reported as such, not by whichever field the corruption hit), type,
// VRID, address count. The fixed parts missing is kTruncated; the addresses not fitting what
// is left is kBadAddressCount.
std::variant<VrrpAdvert, PacketError> ParseVrrpPacket(std::span<const uint8_t> packet) {
  try {
    return Parse(packet);
  } catch (const std::bad_alloc&) {
    // The strings are the only thing that can throw; nothing fits better than truncated.
    return PacketError::kTruncated;
  }
}

}  // namespace swarmscope::keepalived
