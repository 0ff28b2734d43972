// The parsers of keepalived's dumps on keepalived 1.3.5's (../shared/fixtures/keepalived-1.3.5,
// read where they are: never copied into the repo, their password never written down here),
// with what the osixia template adds (NIC blocks, State = 4), and cut short.

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

#include "exporters/keepalived/dump_parsers.h"
#include "tests/unit/exporters/keepalived/dump_test_support.h"

namespace swarmscope::keepalived {
namespace {

using namespace dump_testing;

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

const std::vector<std::pair<std::string, std::vector<Nodes>>> k135States = {  // VI_1, VI_2
    {"01-steady", {{M, B, B}, {M, B, B}}},
    {"03-n1-restarted", {{M, B, B}, {B, M, B}}},
    {"04-n1-killed", {{{}, M, B}, {{}, M, B}}},
    {"06-n1-link-down", {{F, M, B}, {F, M, B}}}};

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
