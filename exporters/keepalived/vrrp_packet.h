#pragma once

// VRRP advertisements (RFC 3768 v2, RFC 5798 v3) as seen on the wire: one IPv4 packet,
// from its IP header on, carrying IP protocol 112.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace swarmscope::keepalived {

struct VrrpAdvert {
  int version = 0;              ///< 2 or 3
  int vrid = 0;                 ///< 1..255
  int priority = 0;             ///< 0 (the master is leaving) .. 255 (the address owner)
  double interval_seconds = 0;  ///< v2: whole seconds; v3: centiseconds / 100
  std::string source;           ///< the IP source, dotted quad
  std::string destination;      ///< 224.0.0.18, or a unicast peer
  int ttl = 0;
  int auth_type = 0;                   ///< v2 only (0 none, 1 simple text); never the password
  std::vector<std::string> addresses;  ///< the virtual IPv4 addresses, dotted quads
};

/// Why a packet was not a valid advert; each has a name for the metric label `cause`.
enum class PacketError {
  kTruncated,        ///< shorter than its headers, IP total length or address count say
  kNotIpv4,          ///< IP version is not 4, or IHL < 5
  kNotVrrp,          ///< IP protocol is not 112
  kBadVersion,       ///< VRRP version not 2 or 3
  kBadType,          ///< VRRP type not 1 (ADVERTISEMENT)
  kBadChecksum,      ///< VRRP checksum does not match (v3: with the IPv4 pseudo-header)
  kBadAddressCount,  ///< 0 addresses, or more than fit the packet
  kBadVrid,          ///< VRID 0
};
std::string_view PacketErrorName(PacketError e);  ///< "truncated", "not_ipv4", ...

/// Parses one IPv4 packet carrying VRRP. Never reads past `packet`; never throws.
/// A v3 checksum is accepted with or without the pseudo-header (keepalived's
/// OLD_CHKSUM_COMPAT sends the latter for unicast peers).
std::variant<VrrpAdvert, PacketError> ParseVrrpPacket(std::span<const uint8_t> packet);

}  // namespace swarmscope::keepalived
