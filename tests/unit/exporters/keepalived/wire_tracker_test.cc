// The wire's picture of a VRID from adverts at chosen times: masters, hand-overs that are
// not split brains, split brains that are, no master, forgetting.

#include "exporters/keepalived/wire_tracker.h"

#include <gtest/gtest.h>

namespace swarmscope::keepalived {
namespace {

using std::chrono::milliseconds;

class WireTrackerTest : public ::testing::Test {
 protected:
  Clock::time_point t0_ = Clock::now();
  WireTracker tracker_{std::chrono::seconds(60)};

  void Advert(double at_seconds, const std::string& source, int priority, bool outgoing = false,
              int vrid = 51) {
    VrrpAdvert a;
    a.version = 2;
    a.vrid = vrid;
    a.priority = priority;
    a.interval_seconds = 1;
    a.source = source;
    a.destination = "224.0.0.18";
    a.ttl = 255;
    a.addresses = {"198.51.100.100"};
    tracker_.Observe("eth0", outgoing, a, At(at_seconds), WallClock::now());
  }
  Clock::time_point At(double s) const {
    return t0_ + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
  }
  VridView View(double at_seconds, int vrid = 51) const {
    for (auto& v : tracker_.View(At(at_seconds))) {
      if (v.vrid == vrid) {
        return v;
      }
    }
    ADD_FAILURE() << "no VRID " << vrid;
    return {};
  }
};

TEST_F(WireTrackerTest, SteadyMaster) {
  for (int i = 0; i < 5; ++i) {
    Advert(i, "198.51.100.11", 150);
  }
  const VridView v = View(4.5);
  EXPECT_EQ(v.current_masters, 1);
  EXPECT_FALSE(v.split_brain);
  EXPECT_FALSE(v.this_node_master);
  ASSERT_TRUE(v.master);
  EXPECT_EQ(*v.master, "198.51.100.11");
  EXPECT_EQ(v.master_priority, 150);
  EXPECT_EQ(v.master_changes, 0u);
  ASSERT_EQ(v.sources.size(), 1u);
  EXPECT_EQ(v.sources[0].adverts, 5u);
  EXPECT_EQ(tracker_.AdvertisedAddresses(), std::vector<std::string>{"198.51.100.100"});
}

TEST_F(WireTrackerTest, OwnAdvertsMeanThisNodeIsMaster) {
  Advert(0, "198.51.100.11", 150, true);
  Advert(1, "198.51.100.11", 150, true);
  EXPECT_TRUE(View(1.5).this_node_master);
  EXPECT_FALSE(View(4.5).this_node_master);  // three intervals without one
}

TEST_F(WireTrackerTest, MasterGoneAfterThreeIntervalsMeansNoMaster) {
  Advert(0, "198.51.100.11", 150);
  Advert(1, "198.51.100.11", 150);
  EXPECT_EQ(View(4.2).current_masters, 1);  // three intervals and 0.25 s of slack
  const VridView v = View(4.3);
  EXPECT_EQ(v.current_masters, 0);
  EXPECT_FALSE(v.master);
  ASSERT_EQ(v.sources.size(), 1u);
  EXPECT_FALSE(v.sources[0].current);
}

TEST_F(WireTrackerTest, PriorityZeroEndsMastershipAtOnce) {
  Advert(0, "198.51.100.11", 150);
  Advert(1, "198.51.100.11", 150);
  Advert(1.2, "198.51.100.11", 0);
  const VridView v = View(1.3);
  EXPECT_EQ(v.current_masters, 0);
  EXPECT_EQ(v.priority_zero, 1u);
}

// Preemption: the new master's adverts start, the old one's stop. Never a split brain, at
// any moment; one master change.
TEST_F(WireTrackerTest, HandOverIsNotASplitBrain) {
  for (int i = 0; i <= 5; ++i) {
    Advert(i, "198.51.100.12", 100);
  }
  for (int i = 0; i <= 5; ++i) {
    Advert(5.5 + i, "198.51.100.11", 150);
  }
  for (double t = 5.0; t <= 11; t += 0.1) {
    EXPECT_FALSE(View(t).split_brain) << "at " << t;
  }
  const VridView v = View(6.6);
  EXPECT_EQ(v.current_masters, 2);  // the old one's last advert is still recent
  ASSERT_TRUE(v.master);
  EXPECT_EQ(*v.master, "198.51.100.11");  // the higher priority
  EXPECT_EQ(v.master_changes, 1u);
  EXPECT_EQ(View(9).current_masters, 1);
}

TEST_F(WireTrackerTest, InterleavedAdvertsAreASplitBrain) {
  for (int i = 0; i < 6; ++i) {
    Advert(i, "198.51.100.11", 150);
    Advert(i + 0.5, "198.51.100.12", 100);
  }
  const VridView v = View(5.7);
  EXPECT_TRUE(v.split_brain);
  EXPECT_EQ(v.current_masters, 2);
  ASSERT_TRUE(v.master);
  EXPECT_EQ(*v.master, "198.51.100.11");
  EXPECT_EQ(v.master_changes, 0u);  // the higher one stayed the master throughout
  // Healed: the lower one stops; once its last advert is old, no split brain.
  for (int i = 6; i < 10; ++i) {
    Advert(i, "198.51.100.11", 150);
  }
  EXPECT_FALSE(View(9.5).split_brain);
}

TEST_F(WireTrackerTest, UnicastCopiesAreOneRound) {
  // A unicast master sends one copy per peer at once: two packets, one round.
  Advert(0, "198.51.100.11", 150, true);
  Advert(0.001, "198.51.100.11", 150, true);
  Advert(1, "198.51.100.11", 150, true);
  Advert(1.001, "198.51.100.11", 150, true);
  Advert(0.5, "198.51.100.12", 100);  // a single stray advert of another source
  const VridView v = View(1.1);
  EXPECT_FALSE(v.split_brain);
  ASSERT_EQ(v.sources.size(), 2u);
  EXPECT_EQ(v.sources[0].adverts, 4u);
}

TEST_F(WireTrackerTest, EqualPrioritiesTieOnTheHigherAddress) {
  Advert(0, "198.51.100.9", 100);
  Advert(0.5, "198.51.100.10", 100);
  const VridView v = View(0.6);
  ASSERT_TRUE(v.master);
  EXPECT_EQ(*v.master, "198.51.100.10");  // numerically, not as text
}

TEST_F(WireTrackerTest, VridsAreApartAndSilentSourcesForgotten) {
  WireTracker short_memory(std::chrono::seconds(5));
  VrrpAdvert a;
  a.vrid = 7;
  a.priority = 100;
  a.interval_seconds = 1;
  a.source = "198.51.100.13";
  short_memory.Observe("eth0", false, a, At(0), WallClock::now());
  a.vrid = 8;
  short_memory.Observe("eth0", false, a, At(1), WallClock::now());
  auto views = short_memory.View(At(2));
  ASSERT_EQ(views.size(), 2u);
  EXPECT_EQ(views[0].vrid, 7);
  EXPECT_EQ(views[1].vrid, 8);
  views = short_memory.View(At(5.5));
  EXPECT_TRUE(views[0].sources.empty());  // 5.5 s silent: forgotten
  EXPECT_EQ(views[1].sources.size(), 1u);
}

}  // namespace
}  // namespace swarmscope::keepalived
