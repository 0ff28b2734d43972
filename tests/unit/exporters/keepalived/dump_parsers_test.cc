// The parsers of keepalived's 2.2.7 dumps on the real files of tests/fixtures/keepalived-2.2.7,
// cut short as a reader can find them, and garbage.

#include "exporters/keepalived/dump_parsers.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/unit/exporters/keepalived/dump_test_support.h"

namespace swarmscope::keepalived {
namespace {

using namespace dump_testing;

// The README's table: each node's state when dumped.
const std::vector<std::pair<std::string, Nodes>> k227States = {
    {"steady", {M, B, B}},        {"transition_track", {M, B, B}},
    {"track_fail", {B, M, B}},    {"fault", {M, F, B}},
    {"split", {M, M, B}},         {"failover", {{}, M, B}},
    {"preempt", {B, M, B}},       {"transition_stop", {{}, B, B}},
    {"killed", {{}, M, B}},       {"v3/steady", {M, B, B}},
    {"unicast/steady", {M, B, B}}};

TEST(KeepalivedDumps, Every227FileParsesWithTheReadmesStates) {
  int files = 0;
  for (const auto& [scenario, nodes] : k227States) {
    const std::string dir = k227 + scenario;
    for (size_t n = 0; n < 3; ++n) {
      SCOPED_TRACE(Node(dir, n, "data"));
      if (!nodes[n]) {
        EXPECT_FALSE(std::filesystem::exists(Node(dir, n, "data")));
        continue;
      }
      const VrrpState want = *nodes[n];
      const DataDump dump = ParseDataDump(Read(Node(dir, n, "data")));
      ASSERT_EQ(dump.instances.size(), 1u);
      const InstanceData& d = dump.instances[0];
      EXPECT_EQ(d.name, "VI_1");
      EXPECT_EQ(d.state, want) << VrrpStateName(d.state);
      EXPECT_EQ(d.wantstate, want);
      EXPECT_EQ(d.interface, "eth0");
      EXPECT_EQ(d.vrid, 51);
      EXPECT_EQ(d.version, scenario == "v3/steady" ? 3 : 2);
      EXPECT_EQ(d.base_priority, kPriorities[n]);
      EXPECT_EQ(d.advert_interval_seconds, 1.0);  // "1 sec", v3 "1000 milli-sec"
      EXPECT_TRUE(d.preempt);
      EXPECT_EQ(d.garp_delay_seconds, 5.0);
      EXPECT_EQ(d.master_router.has_value(), want == B);
      EXPECT_EQ(d.master_priority.has_value(), want == B);
      EXPECT_EQ(d.fault_count, want == F ? 1 : 0);
      EXPECT_EQ(d.config_fault_count, 0);
      ASSERT_EQ(d.vips.size(), 1u);
      EXPECT_EQ(d.vips[0].address, "198.51.100.100");
      EXPECT_EQ(d.vips[0].prefix, 24);
      EXPECT_EQ(d.vips[0].device, "eth0");
      EXPECT_EQ(d.vips[0].set, want == M);  // the VIP is installed on masters only
      ASSERT_EQ(d.tracked_scripts.size(), 1u);
      EXPECT_EQ(d.tracked_scripts[0].name, "chk_track");
      EXPECT_EQ(d.tracked_scripts[0].weight, -80);
      EXPECT_EQ(d.unicast_peers.size(), scenario == "unicast/steady" ? 2u : 0u);
      ASSERT_EQ(dump.scripts.size(), 1u);
      EXPECT_EQ(dump.scripts[0].name, "chk_track");
      EXPECT_EQ(dump.scripts[0].state, "idle");
      ASSERT_TRUE(d.last_transition);

      const std::vector<InstanceStats> stats = ParseStatsDump(Read(Node(dir, n, "stats")));
      ASSERT_EQ(stats.size(), 1u);
      EXPECT_EQ(stats[0].name, "VI_1");

      const std::vector<JsonInstance> json = ParseJsonDump(Read(Node(dir, n, "json")));
      ASSERT_EQ(json.size(), 1u);
      const InstanceData& j = json[0].data;
      EXPECT_EQ(j.name, "VI_1");
      EXPECT_EQ(j.state, want);
      EXPECT_EQ(j.wantstate, want);
      EXPECT_EQ(json[0].vipset, want == M);
      ASSERT_EQ(j.vips.size(), 1u);
      EXPECT_EQ(j.vips[0].set, want == M);
      EXPECT_EQ(j.vips[0].address, "198.51.100.100");
      EXPECT_EQ(j.interface, "eth0");
      EXPECT_EQ(j.vrid, 51);
      EXPECT_EQ(j.version, d.version);
      EXPECT_EQ(j.base_priority, d.base_priority);
      EXPECT_EQ(j.effective_priority, d.effective_priority);
      EXPECT_EQ(j.advert_interval_seconds, 1.0);  // seconds in v3 too
      EXPECT_EQ(j.master_priority.has_value(), want == B);
      ASSERT_TRUE(j.last_transition);
      EXPECT_NEAR(*j.last_transition, *d.last_transition, 1e-6);
      EXPECT_EQ(json[0].stats.name, "VI_1");
      ++files;
    }
  }
  EXPECT_EQ(files, 30);
}

TEST(KeepalivedDumps, Values227) {
  const InstanceData steady1 = One(Read(k227 + "steady/n1.keepalived.data"));
  EXPECT_DOUBLE_EQ(*steady1.last_transition, 1796141146.562608);
  EXPECT_EQ(steady1.effective_priority, 150);
  const InstanceData steady2 = One(Read(k227 + "steady/n2.keepalived.data"));
  EXPECT_EQ(steady2.master_router, "198.51.100.11");
  EXPECT_EQ(steady2.master_priority, 150);
  const InstanceData preempt1 = One(Read(k227 + "preempt/n1.keepalived.data"));
  EXPECT_EQ(preempt1.master_router, "198.51.100.12");
  EXPECT_EQ(preempt1.master_priority, 0);
  for (const char* s : {"transition_track", "track_fail"}) {  // n1's script fails: 150 - 80
    const DataDump d = ParseDataDump(Read(k227 + s + "/n1.keepalived.data"));
    EXPECT_EQ(d.instances.at(0).base_priority, 150) << s;
    EXPECT_EQ(d.instances.at(0).effective_priority, 70) << s;
    EXPECT_EQ(d.scripts.at(0).good, false) << s;
    EXPECT_EQ(d.scripts.at(0).result, 0) << s;
  }
  EXPECT_EQ(ParseDataDump(Read(k227 + "steady/n1.keepalived.data")).scripts.at(0).good, true);
  const InstanceData unicast1 = One(Read(k227 + "unicast/steady/n1.keepalived.data"));
  EXPECT_EQ(unicast1.unicast_peers, (std::vector<std::string>{"198.51.100.12", "198.51.100.13"}));

  const InstanceStats stop2 = ParseStatsDump(Read(k227 + "transition_stop/n2.keepalived.stats"))[0];
  EXPECT_EQ(stop2.advert_rcvd, 43);
  EXPECT_EQ(stop2.advert_sent, 11);
  EXPECT_EQ(stop2.become_master, 2);
  EXPECT_EQ(stop2.release_master, 2);
  EXPECT_EQ(stop2.pri_zero_rcvd, 1);  // n1's priority-0 advert on its SIGTERM
  EXPECT_EQ(stop2.pri_zero_sent, 0);
  EXPECT_EQ(ParseStatsDump(Read(k227 + "failover/n2.keepalived.stats"))[0].become_master, 3);
  EXPECT_EQ(ParseStatsDump(Read(k227 + "steady/n2.keepalived.stats"))[0].advert_rcvd, 6);

  const JsonInstance jstop2 = ParseJsonDump(Read(k227 + "transition_stop/n2.keepalived.json"))[0];
  EXPECT_EQ(jstop2.stats.pri_zero_rcvd, 1);
  EXPECT_EQ(jstop2.stats.advert_rcvd, 43);
  EXPECT_EQ(jstop2.data.master_priority, 150);
  const JsonInstance jfault2 = ParseJsonDump(Read(k227 + "fault/n2.keepalived.json"))[0];
  EXPECT_EQ(jfault2.data.state, F);  // code 3
  EXPECT_FALSE(jfault2.vipset);
  // master_priority 0 on an always-master node: not kept (MASTER), as in the data dump.
  EXPECT_FALSE(ParseJsonDump(Read(k227 + "steady/n1.keepalived.json"))[0].data.master_priority);
  EXPECT_EQ(
      ParseJsonDump(Read(k227 + "transition_track/n3.keepalived.json"))[0].data.master_priority,
      70);
}

// The writer renames the file over keepalived.data while empty, then writes 4096-byte chunks.
TEST(KeepalivedDumps, CutShortDumps227Throw) {
  for (const auto& [scenario, nodes] : k227States) {
    for (size_t n = 0; n < 3; ++n) {
      if (!nodes[n]) {
        continue;
      }
      const std::string data = Read(Node(k227 + scenario, n, "data"));
      SCOPED_TRACE(Node(scenario, n, "data"));
      ASSERT_GT(data.size(), 4096u);
      EXPECT_THROW(ParseDataDump(data.substr(0, 4096)), std::invalid_argument);
      // Every line-end prefix up to the Interfaces section's first entry throws; after it the
      // topology is known complete. A prefix without the final newline always throws.
      const size_t name = data.find("\n Name = ", data.find("------< Interfaces >------"));
      const size_t complete = data.find('\n', name + 1) + 1;
      for (size_t nl = data.find('\n'); nl != std::string::npos; nl = data.find('\n', nl + 1)) {
        EXPECT_THROW(ParseDataDump(data.substr(0, nl)), std::invalid_argument) << nl;
        if (nl + 1 < complete) {
          EXPECT_THROW(ParseDataDump(data.substr(0, nl + 1)), std::invalid_argument) << nl;
        } else {
          EXPECT_EQ(ParseDataDump(data.substr(0, nl + 1)).instances.size(), 1u) << nl;
        }
      }
      const std::string stats = Read(Node(k227 + scenario, n, "stats"));
      for (size_t len = 0; len < stats.size(); ++len) {
        EXPECT_THROW(ParseStatsDump(stats.substr(0, len)), std::invalid_argument) << len;
      }
      const std::string json = Read(Node(k227 + scenario, n, "json"));
      for (size_t len = 0; len < json.rfind(']'); ++len) {
        EXPECT_THROW(ParseJsonDump(json.substr(0, len)), std::invalid_argument) << len;
      }
    }
  }
  // The parent's keepalived_parent.data (global definitions only) is not the VRRP child's.
  EXPECT_THROW(ParseDataDump(Read(k227 + "steady/n1.keepalived_parent.data")),
               std::invalid_argument);
}

TEST(KeepalivedDumps, EmptyGarbageAndBinaryThrow) {
  const auto all_throw = [](const std::string& text) {
    EXPECT_THROW(ParseDataDump(text), std::invalid_argument);
    EXPECT_THROW(ParseStatsDump(text), std::invalid_argument);
    EXPECT_THROW(ParseJsonDump(text), std::invalid_argument);
  };
  for (const auto& parse : {+[](std::string_view t) { ParseDataDump(t); },
                            +[](std::string_view t) { ParseStatsDump(t); },
                            +[](std::string_view t) { ParseJsonDump(t); }}) {
    try {
      parse("");
      ADD_FAILURE() << "no exception on empty input";
    } catch (const std::invalid_argument& e) {
      EXPECT_STREQ(e.what(), "empty");
    }
  }
  for (const char* text : {"\n", "   \n", "hello\n", "VRRP Instance: VI_1\n", "{}", "[1]",
                           "------< VRRP Topology >------\ngarbage\n", "[{\"data\":{}}]"}) {
    all_throw(text);
  }
  const char binary[] = "\0\x01\xff\xfe\n------< VRRP Topology >------\n";
  all_throw(std::string(binary, sizeof binary - 1));
  std::mt19937 random(42);
  for (int i = 0; i < 200; ++i) {
    std::string bytes(random() % 3000, '\0');
    for (char& c : bytes) {
      c = static_cast<char>(random());
    }
    all_throw(bytes);
  }
  // A dump of one kind given to the other parsers, or with a byte in front.
  const std::string data = Read(k227 + "steady/n1.keepalived.data");
  const std::string stats227 = Read(k227 + "steady/n1.keepalived.stats");
  const std::string json = Read(k227 + "steady/n1.keepalived.json");
  for (const std::string& text : {data, stats227, json}) {
    all_throw("x" + text);
  }
  EXPECT_THROW(ParseStatsDump(data), std::invalid_argument);
  EXPECT_THROW(ParseJsonDump(data), std::invalid_argument);
  EXPECT_THROW(ParseDataDump(stats227), std::invalid_argument);
  EXPECT_THROW(ParseJsonDump(stats227), std::invalid_argument);
  EXPECT_THROW(ParseDataDump(json), std::invalid_argument);
  EXPECT_THROW(ParseStatsDump(json), std::invalid_argument);
  EXPECT_TRUE(ParseJsonDump("[]\n").empty());
  // JSON of the right shape with a wrong type or a missing counter.
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"\"state\":2", "\"state\":\"MASTER\""},
           {"\"iname\":\"VI_1\"", "\"iname\":\"\""},
           {"\"vrid\":51", "\"vrid\":1e3"},
           {"\"pri_zero_sent\":0", "\"x\":0"},
           {"\"advert_rcvd\":0", "\"advert_rcvd\":-1"},
           {"\"vips\":[\"198.51.100.100", "\"vips\":[\"nonsense"}}) {
    std::string bad = json;
    ASSERT_NE(bad.find(from), std::string::npos) << from;
    EXPECT_THROW(ParseJsonDump(bad.replace(bad.find(from), from.size(), to)), std::invalid_argument)
        << to;
  }
  // A build without VRRP auth omits two counters; the last counter is required.
  std::string stats = Read(k227 + "steady/n1.keepalived.stats");
  for (const char* line : {"    Type Mismatch: 0\n", "    Failure: 0\n"}) {
    stats.erase(stats.find(line), std::string(line).size());
  }
  EXPECT_EQ(ParseStatsDump(stats).at(0).auth_failure, 0);
  EXPECT_THROW(ParseStatsDump(stats.substr(0, stats.rfind("    Sent"))), std::invalid_argument);
}

TEST(KeepalivedDumps, VirtualIpsAndStates) {
  const VirtualIp a = ParseVirtualIp("198.51.100.100/24 dev eth0 scope global set");
  EXPECT_EQ(a.address, "198.51.100.100");
  EXPECT_EQ(a.prefix, 24);
  EXPECT_EQ(a.device, "eth0");
  EXPECT_TRUE(a.set);
  const VirtualIp b = ParseVirtualIp("192.0.2.200 brd 192.0.2.255 dev vrrp.51@eth0 label set");
  EXPECT_EQ(b.prefix, 32);
  EXPECT_EQ(b.device, "vrrp.51");
  EXPECT_FALSE(b.set);  // a label named "set"
  const VirtualIp c = ParseVirtualIp("fd00::1 dev eth0 scope global set nftable_set");
  EXPECT_EQ(c.prefix, 128);
  EXPECT_TRUE(c.set);
  for (const std::string bad : {"", "garbage", "1.2.3.4/33", "1.2.3.4/x", "::1/129", "1.2.3"}) {
    EXPECT_THROW(ParseVirtualIp(bad), std::invalid_argument) << bad;
  }
  EXPECT_THROW(ParseVirtualIp(std::string("1.2.3.4\0", 8)), std::invalid_argument);
  EXPECT_EQ(VrrpStateFromCode(4), VrrpState::kTransition);
  EXPECT_EQ(VrrpStateFromCode(98), VrrpState::kStop);
  EXPECT_EQ(VrrpStateFromCode(97), VrrpState::kUnknown);
  EXPECT_EQ(VrrpStateName(VrrpState::kTransition), "TRANSITION");
  EXPECT_EQ(VrrpStateName(VrrpState::kUnknown), "UNKNOWN");
}

// Every string a parse keeps.

}  // namespace
}  // namespace swarmscope::keepalived
