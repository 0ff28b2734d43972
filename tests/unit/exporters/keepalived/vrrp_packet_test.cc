// The VRRP advert parser (vrrp_packet.h): every advert of the keepalived 2.2.7 captures in
// tests/fixtures/keepalived-2.2.7, and forged packets (valid ones built here with their
// checksums, and broken ones) for each PacketError.

#include "exporters/keepalived/vrrp_packet.h"

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

namespace swarmscope::keepalived {
namespace {

using Bytes = std::vector<uint8_t>;

std::string Fixture(std::string_view path) {
  return std::string(SWARMSCOPE_SOURCE_DIR) + "/tests/fixtures/keepalived-2.2.7/" +
         std::string(path);
}

// The IPv4 packets of a classic pcap file (tcpdump -w) of link type Ethernet: the 24-byte
// global header, then per record a 16-byte header (ts_sec, ts_usec, incl_len, orig_len) and
// incl_len bytes of frame, of which the 14-byte Ethernet header is stripped. Either byte
// order of the magic (microsecond or nanosecond); fails the test on anything else.
std::vector<Bytes> ReadPcap(const std::string& path) {
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

std::variant<VrrpAdvert, PacketError> Parse(const Bytes& b) { return ParseVrrpPacket(b); }

// The advert, or a test failure naming the error.
VrrpAdvert Advert(const Bytes& b) {
  const auto r = Parse(b);
  if (const auto* e = std::get_if<PacketError>(&r)) {
    ADD_FAILURE() << "parse error " << PacketErrorName(*e);
    return {};
  }
  return std::get<VrrpAdvert>(r);
}

// The error, or a test failure if the packet parsed.
std::string ErrorOf(const Bytes& b) {
  const auto r = Parse(b);
  if (const auto* e = std::get_if<PacketError>(&r)) {
    return std::string(PacketErrorName(*e));
  }
  return "(parsed)";
}

// The 16-bit ones' complement of the ones' complement sum of `b` from `begin` to `end`,
// plus `extra` (already summed words), as RFC 1071 defines it.
uint16_t InternetChecksum(const Bytes& b, size_t begin, size_t end, uint32_t extra = 0) {
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
void SetChecksum(Bytes& ip, bool pseudo_header) {
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

void ExpectN1(const VrrpAdvert& a, int version, double interval) {
  EXPECT_EQ(a.version, version);
  EXPECT_EQ(a.vrid, 51);
  EXPECT_EQ(a.priority, 150);
  EXPECT_DOUBLE_EQ(a.interval_seconds, interval);
  EXPECT_EQ(a.source, "198.51.100.11");
  EXPECT_EQ(a.ttl, 255);
  EXPECT_EQ(a.auth_type, 0);
  EXPECT_EQ(a.addresses, std::vector<std::string>{"198.51.100.100"});
}

// --- The captures ---

TEST(VrrpPacketCapture, SteadyMulticastV2) {
  const auto packets = ReadPcap(Fixture("steady/adverts-v2-multicast.pcap"));
  ASSERT_EQ(packets.size(), 20u);
  for (size_t i = 0; i < packets.size(); ++i) {
    SCOPED_TRACE("packet " + std::to_string(i));
    EXPECT_EQ(packets[i].size(), 40u);
    const VrrpAdvert a = Advert(packets[i]);
    ExpectN1(a, 2, 1.0);
    EXPECT_EQ(a.destination, "224.0.0.18");
  }
}

TEST(VrrpPacketCapture, SteadyUnicastV2) {
  const auto packets = ReadPcap(Fixture("unicast/steady/adverts-v2-unicast.pcap"));
  ASSERT_EQ(packets.size(), 20u);
  // One copy per peer, in turn: .12 then .13.
  for (size_t i = 0; i < packets.size(); ++i) {
    SCOPED_TRACE("packet " + std::to_string(i));
    const VrrpAdvert a = Advert(packets[i]);
    ExpectN1(a, 2, 1.0);
    EXPECT_EQ(a.destination, i % 2 == 0 ? "198.51.100.12" : "198.51.100.13");
  }
}

TEST(VrrpPacketCapture, SteadyMulticastV3) {
  const auto packets = ReadPcap(Fixture("v3/steady/adverts-v3-multicast.pcap"));
  ASSERT_EQ(packets.size(), 20u);
  for (size_t i = 0; i < packets.size(); ++i) {
    SCOPED_TRACE("packet " + std::to_string(i));
    EXPECT_EQ(packets[i].size(), 32u);
    const VrrpAdvert a = Advert(packets[i]);
    ExpectN1(a, 3, 1.0);  // 100 cs
    EXPECT_EQ(a.destination, "224.0.0.18");
  }
}

// keepalived 2.2.7 (OLD_CHKSUM_COMPAT) still puts the pseudo-header into its v3 multicast
// checksum: the captured adverts fail without it.
TEST(VrrpPacketCapture, V3MulticastChecksumHasPseudoHeader) {
  const auto packets = ReadPcap(Fixture("v3/steady/adverts-v3-multicast.pcap"));
  ASSERT_FALSE(packets.empty());
  Bytes p = packets[0];
  const uint16_t captured = static_cast<uint16_t>(p[26] << 8 | p[27]);
  SetChecksum(p, true);
  EXPECT_EQ(static_cast<uint16_t>(p[26] << 8 | p[27]), captured);
  SetChecksum(p, false);
  EXPECT_NE(static_cast<uint16_t>(p[26] << 8 | p[27]), captured);
}

TEST(VrrpPacketCapture, FailoverPriorityZero) {
  const auto packets = ReadPcap(Fixture("failover/adverts-v2-failover.pcap"));
  ASSERT_EQ(packets.size(), 12u);
  // On n3: n1's last adverts, its priority-0 advert (SIGTERM), then n2's as the new master.
  size_t zero = packets.size();
  for (size_t i = 0; i < packets.size(); ++i) {
    SCOPED_TRACE("packet " + std::to_string(i));
    const VrrpAdvert a = Advert(packets[i]);
    EXPECT_EQ(a.version, 2);
    EXPECT_EQ(a.vrid, 51);
    EXPECT_DOUBLE_EQ(a.interval_seconds, 1.0);
    EXPECT_EQ(a.destination, "224.0.0.18");
    EXPECT_EQ(a.ttl, 255);
    EXPECT_EQ(a.addresses, std::vector<std::string>{"198.51.100.100"});
    if (a.priority == 0) {
      EXPECT_EQ(zero, packets.size()) << "a second priority-0 advert";
      zero = i;
      EXPECT_EQ(a.source, "198.51.100.11");
    } else if (zero == packets.size()) {
      EXPECT_EQ(a.source, "198.51.100.11");
      EXPECT_EQ(a.priority, 150);
    } else {
      EXPECT_EQ(a.source, "198.51.100.12");
      EXPECT_EQ(a.priority, 100);
    }
  }
  EXPECT_EQ(zero, 2u);
}

// Every prefix of a real advert (the IP total length still says 40) is truncated.
TEST(VrrpPacketCapture, EveryPrefixIsTruncated) {
  const auto packets = ReadPcap(Fixture("steady/adverts-v2-multicast.pcap"));
  ASSERT_FALSE(packets.empty());
  for (size_t n = 0; n < packets[0].size(); ++n) {
    const Bytes prefix(packets[0].begin(), packets[0].begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_EQ(ErrorOf(prefix), "truncated") << n << " bytes";
  }
}

// --- Forged packets ---

TEST(VrrpPacket, ForgedMatchesCapture) {
  // The builder reproduces the captured VRRP message (the IP header differs in id and
  // checksum, which the parser ignores).
  const auto packets = ReadPcap(Fixture("steady/adverts-v2-multicast.pcap"));
  ASSERT_FALSE(packets.empty());
  const Bytes forged = Forge{}.Build();
  ASSERT_EQ(forged.size(), packets[0].size());
  EXPECT_TRUE(std::equal(forged.begin() + 20, forged.end(), packets[0].begin() + 20));
  ExpectN1(Advert(forged), 2, 1.0);
}

TEST(VrrpPacket, V3Fields) {
  Forge f;
  f.version = 3;
  f.interval = 0xf000 | 4095;  // reserved bits set: ignored
  f.priority = 255;
  f.vrid = 255;
  f.addresses = {{10, 0, 0, 1}, {10, 0, 0, 2}, {192, 168, 255, 254}};
  f.destination = {198, 51, 100, 12};
  f.ttl = 64;
  const VrrpAdvert a = Advert(f.Build());
  EXPECT_EQ(a.version, 3);
  EXPECT_EQ(a.vrid, 255);
  EXPECT_EQ(a.priority, 255);
  EXPECT_DOUBLE_EQ(a.interval_seconds, 40.95);
  EXPECT_EQ(a.destination, "198.51.100.12");
  EXPECT_EQ(a.ttl, 64);
  EXPECT_EQ(a.auth_type, 0);
  EXPECT_EQ(a.addresses, (std::vector<std::string>{"10.0.0.1", "10.0.0.2", "192.168.255.254"}));
}

TEST(VrrpPacket, V3ChecksumWithoutPseudoHeaderAccepted) {
  // keepalived's OLD_CHKSUM_COMPAT: v3 to unicast peers checksummed over the message alone.
  Forge f;
  f.version = 3;
  f.interval = 100;
  f.destination = {198, 51, 100, 13};
  f.pseudo_header = false;
  const VrrpAdvert a = Advert(f.Build());
  EXPECT_EQ(a.version, 3);
  EXPECT_DOUBLE_EQ(a.interval_seconds, 1.0);
  EXPECT_EQ(a.destination, "198.51.100.13");
  f.pseudo_header = true;
  EXPECT_EQ(Advert(f.Build()).version, 3);
}

TEST(VrrpPacket, V2ChecksumWithPseudoHeaderRejected) {
  Bytes p = Forge{}.Build();
  SetChecksum(p, true);
  EXPECT_EQ(ErrorOf(p), "bad_checksum");
}

TEST(VrrpPacket, V2SimpleAuthTypeButNoPassword) {
  Forge f;
  f.auth_type = 1;
  f.auth_data = "s3cret!";
  f.interval = 3;
  const VrrpAdvert a = Advert(f.Build());
  EXPECT_EQ(a.auth_type, 1);
  EXPECT_DOUBLE_EQ(a.interval_seconds, 3.0);
  ASSERT_EQ(a.addresses, std::vector<std::string>{"198.51.100.100"});
  for (const std::string& s : {a.source, a.destination, a.addresses[0]}) {
    EXPECT_EQ(s.find("s3cret"), std::string::npos);
  }
}

TEST(VrrpPacket, TrailingPaddingIgnored) {
  // A 40-byte packet in a 60-byte Ethernet frame: 6 bytes of padding (here not zero, and
  // making the checksum over the whole buffer wrong).
  Bytes p = Forge{}.Build();
  p.insert(p.end(), {0xde, 0xad, 0xbe, 0xef, 0x01, 0x02});
  ExpectN1(Advert(p), 2, 1.0);
  Forge v3;
  v3.version = 3;
  v3.interval = 100;
  Bytes q = v3.Build();
  q.insert(q.end(), 14, uint8_t{0xff});
  ExpectN1(Advert(q), 3, 1.0);
}

TEST(VrrpPacket, IpOptions) {
  Forge f;
  f.ip_options = {0x94, 0x04, 0x00, 0x00};  // Router Alert: IHL 6
  const Bytes p = f.Build();
  ASSERT_EQ(p[0], 0x46);
  ExpectN1(Advert(p), 2, 1.0);
  f.version = 3;
  f.interval = 100;
  f.ip_options.assign(40, 0x01);  // 40 NOPs: IHL 15
  const Bytes q = f.Build();
  ASSERT_EQ(q[0], 0x4f);
  ExpectN1(Advert(q), 3, 1.0);
}

TEST(VrrpPacket, Empty) { EXPECT_EQ(ErrorOf({}), "truncated"); }

TEST(VrrpPacket, ShorterThanIpHeader) {
  const Bytes p = Forge{}.Build();
  EXPECT_EQ(ErrorOf(Bytes(p.begin(), p.begin() + 19)), "truncated");
  EXPECT_EQ(ErrorOf(Bytes(p.begin(), p.begin() + 1)), "truncated");
}

TEST(VrrpPacket, IpVersion6) {
  Bytes p(48, 0);
  p[0] = 0x60;  // an IPv6 header: version 6
  p[5] = 8;     // payload length
  p[6] = 112;   // next header
  EXPECT_EQ(ErrorOf(p), "not_ipv4");
  Bytes q = Forge{}.Build();
  q[0] = 0x65;
  EXPECT_EQ(ErrorOf(q), "not_ipv4");
}

TEST(VrrpPacket, IhlBelowFive) {
  for (uint8_t ihl = 0; ihl < 5; ++ihl) {
    Bytes p = Forge{}.Build();
    p[0] = static_cast<uint8_t>(0x40 | ihl);
    EXPECT_EQ(ErrorOf(p), "not_ipv4") << "IHL " << static_cast<int>(ihl);
  }
}

TEST(VrrpPacket, IhlBeyondPacket) {
  Bytes p = Forge{}.Build();
  p[0] = 0x4f;  // 60-byte header in a 40-byte packet
  EXPECT_EQ(ErrorOf(p), "truncated");
  p.resize(60, 0);  // in the buffer, but beyond the total length (40)
  EXPECT_EQ(ErrorOf(p), "truncated");
}

TEST(VrrpPacket, NotVrrp) {
  Forge f;
  f.protocol = 17;
  EXPECT_EQ(ErrorOf(f.Build()), "not_vrrp");
  f.protocol = 113;
  EXPECT_EQ(ErrorOf(f.Build()), "not_vrrp");
}

TEST(VrrpPacket, TotalLengthBeyondBuffer) {
  Bytes p = Forge{}.Build();
  p[3] = 41;
  EXPECT_EQ(ErrorOf(p), "truncated");
  p[2] = 0xff;
  p[3] = 0xff;
  EXPECT_EQ(ErrorOf(p), "truncated");
}

TEST(VrrpPacket, TotalLengthBelowHeader) {
  Bytes p = Forge{}.Build();
  p[3] = 19;
  EXPECT_EQ(ErrorOf(p), "truncated");
}

TEST(VrrpPacket, VrrpShorterThanHeader) {
  // The IP total length cuts the VRRP message to 0..7 bytes (v2 also: to less than its
  // header and auth data, 16 bytes).
  const Bytes full = Forge{}.Build();
  for (size_t length = 0; length < 16; ++length) {
    Bytes p(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(20 + length));
    p[3] = static_cast<uint8_t>(20 + length);
    EXPECT_EQ(ErrorOf(p), "truncated") << length << " bytes of VRRP";
  }
  Forge v3;
  v3.version = 3;
  const Bytes full3 = v3.Build();
  for (size_t length = 0; length < 8; ++length) {
    Bytes p(full3.begin(), full3.begin() + static_cast<std::ptrdiff_t>(20 + length));
    p[3] = static_cast<uint8_t>(20 + length);
    EXPECT_EQ(ErrorOf(p), "truncated") << length << " bytes of VRRP";
  }
}

TEST(VrrpPacket, BadVersion) {
  for (int version : {0, 1, 4, 15}) {
    Forge f;
    f.version = version;
    EXPECT_EQ(ErrorOf(f.Build()), "bad_version") << "version " << version;
  }
}

TEST(VrrpPacket, BadType) {
  for (int type : {0, 2, 15}) {
    for (int version : {2, 3}) {
      Forge f;
      f.version = version;
      f.type = type;
      EXPECT_EQ(ErrorOf(f.Build()), "bad_type") << "v" << version << " type " << type;
    }
  }
}

TEST(VrrpPacket, BadChecksum) {
  for (int version : {2, 3}) {
    Forge f;
    f.version = version;
    const Bytes good = f.Build();
    ASSERT_EQ(Advert(good).version, version);
    // Flip every byte of the VRRP message in turn: each is covered (v2: the auth data too).
    for (size_t i = 20; i < good.size(); ++i) {
      Bytes p = good;
      p[i] ^= 0x5a;
      const std::string e = ErrorOf(p);
      if (i == 20) {
        EXPECT_EQ(e, "bad_version");  // 0x21 ^ 0x5a: version 7
      } else {
        EXPECT_EQ(e, "bad_checksum") << "v" << version << " byte " << i;
      }
    }
    Bytes zero = good;
    zero[26] = 0;
    zero[27] = 0;
    EXPECT_EQ(ErrorOf(zero), "bad_checksum");
  }
  // v3 with the pseudo-header: the IP addresses are covered too.
  Forge f;
  f.version = 3;
  Bytes p = f.Build();
  p[19] ^= 1;
  EXPECT_EQ(ErrorOf(p), "bad_checksum");
}

TEST(VrrpPacket, AddressCountZero) {
  for (int version : {2, 3}) {
    Forge f;
    f.version = version;
    f.count = 0;
    EXPECT_EQ(ErrorOf(f.Build()), "bad_address_count") << "v" << version;
    f.addresses.clear();
    EXPECT_EQ(ErrorOf(f.Build()), "bad_address_count") << "v" << version;
  }
}

TEST(VrrpPacket, AddressCountTooLarge) {
  for (int version : {2, 3}) {
    Forge f;
    f.version = version;
    f.count = 255;
    EXPECT_EQ(ErrorOf(f.Build()), "bad_address_count") << "v" << version;
    f.count = 2;  // one more than there is
    EXPECT_EQ(ErrorOf(f.Build()), "bad_address_count") << "v" << version;
  }
  // 255 addresses that are all there parse.
  Forge f;
  f.version = 3;
  f.addresses.clear();
  for (int i = 0; i < 255; ++i) {
    f.addresses.push_back({10, 1, static_cast<uint8_t>(i), 1});
  }
  const VrrpAdvert a = Advert(f.Build());
  ASSERT_EQ(a.addresses.size(), 255u);
  EXPECT_EQ(a.addresses[254], "10.1.254.1");
}

TEST(VrrpPacket, VridZero) {
  for (int version : {2, 3}) {
    Forge f;
    f.version = version;
    f.vrid = 0;
    EXPECT_EQ(ErrorOf(f.Build()), "bad_vrid") << "v" << version;
  }
}

TEST(VrrpPacket, PriorityZeroForged) {
  Forge f;
  f.priority = 0;
  EXPECT_EQ(Advert(f.Build()).priority, 0);
}

TEST(VrrpPacket, ErrorNames) {
  const PacketError all[] = {
      PacketError::kTruncated,       PacketError::kNotIpv4, PacketError::kNotVrrp,
      PacketError::kBadVersion,      PacketError::kBadType, PacketError::kBadChecksum,
      PacketError::kBadAddressCount, PacketError::kBadVrid,
  };
  const std::regex snake("[a-z][a-z0-9]*(_[a-z0-9]+)*");
  std::set<std::string> names;
  for (PacketError e : all) {
    const std::string name(PacketErrorName(e));
    EXPECT_TRUE(std::regex_match(name, snake)) << name;
    names.insert(name);
  }
  EXPECT_EQ(names.size(), std::size(all));
  EXPECT_EQ(PacketErrorName(PacketError::kTruncated), "truncated");
  EXPECT_EQ(PacketErrorName(PacketError::kNotIpv4), "not_ipv4");
  EXPECT_EQ(PacketErrorName(PacketError::kNotVrrp), "not_vrrp");
  EXPECT_EQ(PacketErrorName(PacketError::kBadVersion), "bad_version");
  EXPECT_EQ(PacketErrorName(PacketError::kBadType), "bad_type");
  EXPECT_EQ(PacketErrorName(PacketError::kBadChecksum), "bad_checksum");
  EXPECT_EQ(PacketErrorName(PacketError::kBadAddressCount), "bad_address_count");
  EXPECT_EQ(PacketErrorName(PacketError::kBadVrid), "bad_vrid");
}

}  // namespace
}  // namespace swarmscope::keepalived
