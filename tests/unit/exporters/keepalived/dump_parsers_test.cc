// The parsers of keepalived's dumps on real files: 2.2.7 (tests/fixtures/keepalived-2.2.7) and
// 1.3.5 (../shared/fixtures/keepalived-1.3.5, read where they are: never copied into the repo,
// their password never written down here), cut short as a reader can find them, and garbage.

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

namespace swarmscope::keepalived {
namespace {

const std::string k227 = std::string(SWARMSCOPE_SOURCE_DIR) + "/tests/fixtures/keepalived-2.2.7/";
// ../shared as CMake found it (next to this tree or to the repository it was cloned from).
const std::string k135 = std::string(SWARMSCOPE_SHARED_DIR) + "/fixtures/keepalived-1.3.5/";
constexpr VrrpState M = VrrpState::kMaster, B = VrrpState::kBackup, F = VrrpState::kFault;
using Nodes = std::vector<std::optional<VrrpState>>;  // n1, n2, n3; nullopt: not running

std::string Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw std::runtime_error("missing fixture " + path);
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Node(const std::string& dir, size_t i, const char* kind) {
  return dir + "/n" + std::to_string(i + 1) + ".keepalived." + kind;
}

// The 1.3.5 dumps: absent, each test fails (never skips: they are required to run).
class KeepalivedDumps135 : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::is_directory(k135)) {
      GTEST_FAIL() << "the keepalived 1.3.5 fixtures are absent: no directory " << k135
                   << " (they live in ../shared next to the repository, not in it; configure "
                      "with -DSWARMSCOPE_SHARED_DIR=... where they are elsewhere)";
    }
  }
};

// The README's table: each node's state when dumped.
const std::vector<std::pair<std::string, Nodes>> k227States = {
    {"steady", {M, B, B}},        {"transition_track", {M, B, B}},
    {"track_fail", {B, M, B}},    {"fault", {M, F, B}},
    {"split", {M, M, B}},         {"failover", {{}, M, B}},
    {"preempt", {B, M, B}},       {"transition_stop", {{}, B, B}},
    {"killed", {{}, M, B}},       {"v3/steady", {M, B, B}},
    {"unicast/steady", {M, B, B}}};
const std::vector<std::pair<std::string, std::vector<Nodes>>> k135States = {  // VI_1, VI_2
    {"01-steady", {{M, B, B}, {M, B, B}}},
    {"03-n1-restarted", {{M, B, B}, {B, M, B}}},
    {"04-n1-killed", {{{}, M, B}, {{}, M, B}}},
    {"06-n1-link-down", {{F, M, B}, {F, M, B}}}};
constexpr int kPriorities[] = {150, 100, 50};

InstanceData One(const std::string& text) {
  DataDump d = ParseDataDump(text);
  EXPECT_EQ(d.instances.size(), 1u);
  return d.instances.empty() ? InstanceData{} : d.instances[0];
}

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
std::vector<std::string> Strings(const DataDump& d) {
  std::vector<std::string> out;
  for (const InstanceData& i : d.instances) {
    out.insert(out.end(), {i.name, i.interface, i.master_router.value_or("")});
    for (const auto& list : {i.vips, i.excluded_vips}) {
      for (const VirtualIp& v : list) {
        out.insert(out.end(), {v.address, v.device});
      }
    }
    for (const TrackedScriptRef& s : i.tracked_scripts) {
      out.push_back(s.name);
    }
    out.insert(out.end(), i.tracked_interfaces.begin(), i.tracked_interfaces.end());
    out.insert(out.end(), i.unicast_peers.begin(), i.unicast_peers.end());
  }
  for (const ScriptData& s : d.scripts) {
    out.insert(out.end(), {s.name, s.state.value_or("")});
  }
  return out;
}

TEST_F(KeepalivedDumps135, EveryFileParsesAndNoPasswordIsKept) {
  int files = 0;
  for (const auto& [scenario, instances] : k135States) {
    for (size_t n = 0; n < 3; ++n) {
      const std::string path = Node(k135 + scenario, n, "data");
      SCOPED_TRACE(path);
      if (!instances[0][n]) {
        EXPECT_FALSE(std::filesystem::exists(path));
        continue;
      }
      const std::string text = Read(path);
      const DataDump d = ParseDataDump(text);
      ASSERT_EQ(d.instances.size(), 2u);
      for (size_t k = 0; k < 2; ++k) {
        const InstanceData& i = d.instances[k];
        const VrrpState want = *instances[k][n];
        EXPECT_EQ(i.name, k == 0 ? "VI_1" : "VI_2");
        EXPECT_EQ(i.state, want) << VrrpStateName(i.state);
        EXPECT_EQ(i.vrid, k == 0 ? 51 : 52);
        EXPECT_EQ(i.version, 2);
        EXPECT_EQ(i.interface, "eth0");
        EXPECT_EQ(i.base_priority, kPriorities[n]);
        EXPECT_EQ(i.preempt, k == 0);
        EXPECT_EQ(i.advert_interval_seconds, 1.0);
        EXPECT_EQ(i.master_router.has_value(), want == B);
        EXPECT_EQ(i.master_priority.has_value(), want == B);
        EXPECT_FALSE(i.effective_priority || i.wantstate || i.fault_count);
        ASSERT_TRUE(i.last_transition);
        EXPECT_EQ(*i.last_transition, std::floor(*i.last_transition));  // whole seconds
        ASSERT_EQ(i.vips.size(), 1u);
        EXPECT_EQ(i.vips[0].address, k == 0 ? "192.0.2.100" : "192.0.2.200");
        EXPECT_EQ(i.vips[0].prefix, k == 0 ? 24 : 32);
        EXPECT_EQ(i.vips[0].device, "eth0");
        EXPECT_FALSE(i.vips[0].set);  // 1.3.5 does not say
        EXPECT_EQ(i.tracked_scripts.size(), k == 0 ? 1u : 0u);
        EXPECT_EQ(i.tracked_interfaces,
                  k == 0 ? std::vector<std::string>{} : std::vector<std::string>{"eth0"});
      }
      EXPECT_EQ(d.instances[0].tracked_scripts.at(0).name, "chk_flag");
      EXPECT_EQ(d.instances[0].tracked_scripts.at(0).weight, -80);
      ASSERT_EQ(d.scripts.size(), 1u);
      EXPECT_EQ(d.scripts[0].good, true);
      const std::vector<InstanceStats> stats =
          ParseStatsDump(Read(Node(k135 + scenario, n, "stats")));
      ASSERT_EQ(stats.size(), 2u);
      EXPECT_EQ(stats[1].name, "VI_2");
      // The password, as the dump has it: in no field.
      const size_t at = text.find("   Password = ");
      ASSERT_NE(at, std::string::npos);
      const std::string password = text.substr(at + 14, text.find('\n', at) - at - 14);
      ASSERT_FALSE(password.empty());
      for (const std::string& s : Strings(d)) {
        EXPECT_EQ(s.find(password), std::string::npos) << "a field holds the password";
      }
      ++files;
    }
  }
  EXPECT_EQ(files, 11);
  const DataDump steady2 = ParseDataDump(Read(k135 + "01-steady/n2.keepalived.data"));
  EXPECT_EQ(steady2.instances[0].master_router, "192.0.2.11");
  EXPECT_EQ(steady2.instances[0].master_priority, 150);
}

// `text` with `what` replaced (first occurrence after `after`).
std::string Edit(std::string text, const std::string& what, const std::string& with,
                 size_t after = 0) {
  const size_t at = text.find(what, after);
  EXPECT_NE(at, std::string::npos) << what;
  return at == std::string::npos ? text : text.replace(at, what.size(), with);
}

TEST_F(KeepalivedDumps135, NicAndScriptBlocksDoNotOverwriteTheInstance) {
  const std::string real = Read(k135 + "01-steady/n2.keepalived.data");
  // VI_1 tracks two NICs as the osixia image prints them, with lines of their own that look
  // like an instance's; its script block gets a State line and a Priority.
  const std::string nic =
      "------< NIC >------\n Name = %\n index = 3\n State = DOWN\n   State = FAULT\n"
      "   Priority = 1\n   Virtual Router ID = 99\n   Listening device = bogus\n"
      " VRRP Version = 3\n is UP\n MTU = 1500\n HW Type = ETHERNET\n"
      " Enabling NIC ioctl refresh polling\n";
  std::string text = Edit(real, "   Authentication type = none\n",
                          "   Authentication type = none\n   Tracked interfaces = 2\n" +
                              Edit(nic, "%", "eth1") + Edit(nic, "%", "eth2"));
  text = Edit(text, "   Status = GOOD\n", "   Status = GOOD\n   State = idle\n   Priority = 7\n");
  const DataDump d = ParseDataDump(text);
  ASSERT_EQ(d.instances.size(), 2u);
  const InstanceData& i = d.instances[0];
  EXPECT_EQ(i.state, B);
  EXPECT_EQ(i.base_priority, 100);
  EXPECT_EQ(i.vrid, 51);
  EXPECT_EQ(i.version, 2);
  EXPECT_EQ(i.interface, "eth0");
  EXPECT_EQ(i.master_router, "192.0.2.11");
  EXPECT_EQ(i.tracked_interfaces, (std::vector<std::string>{"eth1", "eth2"}));
  ASSERT_EQ(i.tracked_scripts.size(), 1u);
  EXPECT_EQ(i.tracked_scripts[0].weight, -80);
  ASSERT_EQ(i.vips.size(), 1u);
  EXPECT_EQ(i.vips[0].address, "192.0.2.100");
  EXPECT_EQ(d.instances[1].state, B);
  EXPECT_EQ(d.instances[1].base_priority, 100);
  EXPECT_EQ(d.instances[1].tracked_interfaces, std::vector<std::string>{"eth0"});
  // One NIC block fewer than announced: cut short.
  EXPECT_THROW(ParseDataDump(Edit(text, "Tracked interfaces = 2", "Tracked interfaces = 3")),
               std::invalid_argument);
}

TEST_F(KeepalivedDumps135, StateFourIsATransition) {
  const std::string real = Read(k135 + "01-steady/n2.keepalived.data");
  const DataDump d = ParseDataDump(
      Edit(real, "   State = BACKUP\n   Master router = 192.0.2.11\n   Master priority = 150\n",
           "   State = 4\n"));
  ASSERT_EQ(d.instances.size(), 2u);
  EXPECT_EQ(d.instances[0].state, VrrpState::kTransition);
  EXPECT_FALSE(d.instances[0].master_router);
  EXPECT_EQ(d.instances[1].state, B);
  EXPECT_EQ(
      One(Edit(real.substr(0, real.find(" VRRP Instance = VI_2")), "State = BACKUP", "State = 0"))
          .state,
      VrrpState::kInit);
}

TEST_F(KeepalivedDumps135, CutShortDumpsThrow) {
  const std::string data = Read(k135 + "01-steady/n2.keepalived.data");
  for (size_t nl = data.find('\n'); nl != std::string::npos; nl = data.find('\n', nl + 1)) {
    EXPECT_THROW(ParseDataDump(data.substr(0, nl)), std::invalid_argument) << nl;
  }
  const size_t vi2 = data.find(" VRRP Instance = VI_2");
  for (const char* line : {"   Virtual IP = 1\n", "------< NIC >------\n", " is RUNNING\n",
                           " VRRP Script = chk_flag\n", "   Status = GOOD\n", "   State = BACKUP\n",
                           "   Virtual Router ID = 52\n"}) {
    const size_t at = data.find(line, std::string(line) == "   State = BACKUP\n" ? vi2 : 0);
    ASSERT_NE(at, std::string::npos) << line;
    EXPECT_THROW(ParseDataDump(data.substr(0, at + std::string(line).size())),
                 std::invalid_argument)
        << line;
  }
  // No end marker: a cut exactly at a line end between two instances, or between an
  // instance's lists, looks complete (the documented limit; 1.3.5 writes a file under 4 KB at
  // once, so only bigger files can be cut at all).
  EXPECT_EQ(ParseDataDump(data.substr(0, vi2)).instances.size(), 1u);
  const size_t lists = data.find("   Tracked interfaces = 1\n", vi2);
  EXPECT_TRUE(ParseDataDump(data.substr(0, lists)).instances.at(1).vips.empty());
  const std::string stats = Read(k135 + "01-steady/n2.keepalived.stats");
  const size_t block2 = stats.find("VRRP Instance: VI_2");
  for (size_t len = 0; len < stats.size(); ++len) {
    if (len != block2) {
      EXPECT_THROW(ParseStatsDump(stats.substr(0, len)), std::invalid_argument) << len;
    }
  }
  EXPECT_EQ(ParseStatsDump(stats.substr(0, block2)).size(), 1u);
}

}  // namespace
}  // namespace swarmscope::keepalived
