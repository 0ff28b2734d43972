#pragma once

// What the VRRP packet tests share: the captures' packets (a small pcap reader), a builder
// of forged packets with their checksums, and checks of a parsed advert.

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <regex>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "exporters/keepalived/vrrp_packet.h"

namespace swarmscope::keepalived::vrrp_testing {

using Bytes = std::vector<uint8_t>;

inline std::string Fixture(std::string_view path) {
  return std::string(SWARMSCOPE_SOURCE_DIR) + "/tests/fixtures/keepalived-2.2.7/" +
         std::string(path);
}

// The IPv4 packets of a classic pcap file (tcpdump -w) of link type Ethernet: the 24-byte
// global header, then per record a 16-byte header (ts_sec, ts_usec, incl_len, orig_len) and
// incl_len bytes of frame, of which the 14-byte Ethernet header is stripped. Either byte
// order of the magic (microsecond or nanosecond); fails the test on anything else.
inline std::vector<Bytes> ReadPcap(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.is_open()) << "cannot open " << path;
  const Bytes file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<Bytes> packets;
  if (file.size() < 24) {
    ADD_FAILURE() << path << ": no pcap global header";
    return packets;
  }
  const uint32_t magic_le = static_cast<uint32_t>(file[0]) | static_cast<uint32_t>(file[1]) << 8 |
                            static_cast<uint32_t>(file[2]) << 16 |
                            static_cast<uint32_t>(file[3]) << 24;
  bool big_endian = false;
  if (magic_le == 0xa1b2c3d4 || magic_le == 0xa1b23c4d) {
    big_endian = false;
  } else if (magic_le == 0xd4c3b2a1 || magic_le == 0x4d3cb2a1) {
    big_endian = true;
  } else {
    ADD_FAILURE() << path << ": not a classic pcap file";
    return packets;
  }
  const auto u32 = [&](size_t at) {
    const uint32_t b0 = file[at], b1 = file[at + 1], b2 = file[at + 2], b3 = file[at + 3];
    return big_endian ? (b0 << 24 | b1 << 16 | b2 << 8 | b3) : (b3 << 24 | b2 << 16 | b1 << 8 | b0);
  };
  EXPECT_EQ(u32(20), 1u) << path << ": link type is not Ethernet";
  size_t at = 24;
  while (at < file.size()) {
    if (file.size() - at < 16) {
      ADD_FAILURE() << path << ": truncated record header at " << at;
      break;
    }
    const size_t captured = u32(at + 8);
    at += 16;
    if (file.size() - at < captured) {
      ADD_FAILURE() << path << ": truncated record at " << at;
      break;
    }
    if (captured < 14) {
      ADD_FAILURE() << path << ": frame shorter than an Ethernet header at " << at;
    } else if (file[at + 12] != 0x08 || file[at + 13] != 0x00) {
      ADD_FAILURE() << path << ": ethertype is not IPv4 at " << at;
    } else {
      packets.emplace_back(file.begin() + static_cast<std::ptrdiff_t>(at + 14),
                           file.begin() + static_cast<std::ptrdiff_t>(at + captured));
    }
    at += captured;
  }
  return packets;
}

inline std::variant<VrrpAdvert, PacketError> Parse(const Bytes& b) { return ParseVrrpPacket(b); }

// The advert, or a test failure naming the error.
inline VrrpAdvert Advert(const Bytes& b) {
  const auto r = Parse(b);
  if (const auto* e = std::get_if<PacketError>(&r)) {
    ADD_FAILURE() << "parse error " << PacketErrorName(*e);
    return {};
  }
  return std::get<VrrpAdvert>(r);
}

// The error, or a test failure if the packet parsed.
inline std::string ErrorOf(const Bytes& b) {
  const auto r = Parse(b);
  if (const auto* e = std::get_if<PacketError>(&r)) {
    return std::string(PacketErrorName(*e));
  }
  return "(parsed)";
}

// The 16-bit ones' complement of the ones' complement sum of `b` from `begin` to `end`,
// plus `extra` (already summed words), as RFC 1071 defines it.
inline uint16_t InternetChecksum(const Bytes& b, size_t begin, size_t end, uint32_t extra = 0) {
  uint32_t sum = extra;
  for (size_t i = begin; i < end; i += 2) {
    const uint32_t hi = b[i];
    const uint32_t lo = i + 1 < end ? b[i + 1] : 0;
    sum += hi << 8 | lo;
  }
  while (sum >> 16) {
    sum = (sum & 0xffff) + (sum >> 16);
  }
  return static_cast<uint16_t>(~sum & 0xffff);
}

// Rewrites the VRRP checksum of an IPv4 packet (total length and IHL from its header).
inline void SetChecksum(Bytes& ip, bool pseudo_header) {
  const size_t header_length = static_cast<size_t>(ip[0] & 0x0f) * 4;
  const size_t total = static_cast<size_t>(ip[2]) << 8 | ip[3];
  const size_t length = total - header_length;
  ip[header_length + 6] = 0;
  ip[header_length + 7] = 0;
  uint32_t pseudo = 0;
  if (pseudo_header) {
    for (size_t i = 12; i < 20; i += 2) {
      pseudo += static_cast<uint32_t>(ip[i]) << 8 | ip[i + 1];
    }
    pseudo += 112 + static_cast<uint32_t>(length);
  }
  const uint16_t c = InternetChecksum(ip, header_length, total, pseudo);
  ip[header_length + 6] = static_cast<uint8_t>(c >> 8);
  ip[header_length + 7] = static_cast<uint8_t>(c & 0xff);
}

// A VRRP advert to forge: the defaults are n1's v2 multicast advert of the captures.
struct Forge {
  int version = 2;
  int type = 1;
  int vrid = 51;
  int priority = 150;
  int count = -1;  // -1: the number of addresses
  std::vector<std::array<uint8_t, 4>> addresses = {{198, 51, 100, 100}};
  int interval = 1;  // v2 seconds; v3 centiseconds (12 bits, plus the 4 reserved above)
  int auth_type = 0;
  std::string auth_data;  // v2, at most 8 bytes (zero padded)
  std::array<uint8_t, 4> source = {198, 51, 100, 11};
  std::array<uint8_t, 4> destination = {224, 0, 0, 18};
  int ttl = 255;
  int protocol = 112;
  Bytes ip_options;           // a multiple of 4 bytes
  bool pseudo_header = true;  // v3: checksum with the pseudo-header (v2 never)

  // The IPv4 packet: IP header (checksum 0: the parser does not check it), VRRP message.
  Bytes Build() const {
    Bytes vrrp;
    vrrp.push_back(static_cast<uint8_t>(version << 4 | (type & 0x0f)));
    vrrp.push_back(static_cast<uint8_t>(vrid));
    vrrp.push_back(static_cast<uint8_t>(priority));
    vrrp.push_back(static_cast<uint8_t>(count < 0 ? static_cast<int>(addresses.size()) : count));
    if (version == 3) {
      vrrp.push_back(static_cast<uint8_t>(interval >> 8));
      vrrp.push_back(static_cast<uint8_t>(interval & 0xff));
    } else {
      vrrp.push_back(static_cast<uint8_t>(auth_type));
      vrrp.push_back(static_cast<uint8_t>(interval));
    }
    vrrp.push_back(0);
    vrrp.push_back(0);
    for (const auto& a : addresses) {
      vrrp.insert(vrrp.end(), a.begin(), a.end());
    }
    if (version != 3) {
      for (size_t i = 0; i < 8; ++i) {
        vrrp.push_back(static_cast<uint8_t>(i < auth_data.size() ? auth_data[i] : 0));
      }
    }
    const size_t header_length = 20 + ip_options.size();
    const size_t total = header_length + vrrp.size();
    // Version/IHL, TOS, total length, id, flags/fragment offset, TTL, protocol, checksum.
    Bytes ip = {static_cast<uint8_t>(0x40 | (header_length / 4)), 0xc0};
    ip.push_back(static_cast<uint8_t>(total >> 8));
    ip.push_back(static_cast<uint8_t>(total & 0xff));
    ip.insert(ip.end(), {0x00, 0x07, 0x00, 0x00});
    ip.push_back(static_cast<uint8_t>(ttl));
    ip.push_back(static_cast<uint8_t>(protocol));
    ip.insert(ip.end(), {0x00, 0x00});
    ip.insert(ip.end(), source.begin(), source.end());
    ip.insert(ip.end(), destination.begin(), destination.end());
    ip.insert(ip.end(), ip_options.begin(), ip_options.end());
    ip.insert(ip.end(), vrrp.begin(), vrrp.end());
    SetChecksum(ip, version == 3 && pseudo_header);
    return ip;
  }
};

inline void ExpectN1(const VrrpAdvert& a, int version, double interval) {
  EXPECT_EQ(a.version, version);
  EXPECT_EQ(a.vrid, 51);
  EXPECT_EQ(a.priority, 150);
  EXPECT_DOUBLE_EQ(a.interval_seconds, interval);
  EXPECT_EQ(a.source, "198.51.100.11");
  EXPECT_EQ(a.ttl, 255);
  EXPECT_EQ(a.auth_type, 0);
  EXPECT_EQ(a.addresses, std::vector<std::string>{"198.51.100.100"});
}

}  // namespace swarmscope::keepalived::vrrp_testing
