// The VRRP advert parser (vrrp_packet.h) on forged packets: valid ones built here with their
// checksums, and broken ones for each PacketError.

#include "exporters/keepalived/vrrp_packet.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "tests/unit/exporters/keepalived/vrrp_test_support.h"

namespace swarmscope::keepalived {
namespace {

using namespace vrrp_testing;

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
