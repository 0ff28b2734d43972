// The VRRP advert parser (vrrp_packet.h) on every advert of the keepalived 2.2.7 captures in
// tests/fixtures/keepalived-2.2.7.

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "exporters/keepalived/vrrp_packet.h"
#include "tests/unit/exporters/keepalived/vrrp_test_support.h"

namespace swarmscope::keepalived {
namespace {

using namespace vrrp_testing;

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

}  // namespace
}  // namespace swarmscope::keepalived
