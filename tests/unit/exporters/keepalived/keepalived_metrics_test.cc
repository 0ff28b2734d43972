// The keepalived families as rendered from real dumps and a wire picture: the documented
// names, types and labels, the naming rules, and promtool's verdict.

#include "exporters/keepalived/keepalived_metrics.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "tests/support/exposition_parser.h"

namespace swarmscope::keepalived {
namespace {

std::string Fixture(const std::string& name) {
  std::ifstream in(std::string(SWARMSCOPE_SOURCE_DIR) + "/tests/fixtures/keepalived-2.2.7/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Render(const std::string& scenario, const std::string& node) {
  KeepalivedView view;
  view.node_name = node;
  DumpFiles d;
  d.data = ParseDataDump(Fixture(scenario + "/" + node + ".keepalived.data"));
  d.stats = ParseStatsDump(Fixture(scenario + "/" + node + ".keepalived.stats"));
  d.json = ParseJsonDump(Fixture(scenario + "/" + node + ".keepalived.json"));
  d.data_time = d.stats_time = d.json_time = std::chrono::system_clock::now();
  view.dumps = d;
  view.dumps_current = true;
  WireTracker tracker;
  const auto t0 = Clock::now();
  for (int i = 0; i < 4; ++i) {
    for (const char* source : {"198.51.100.11", "198.51.100.12"}) {
      VrrpAdvert a;
      a.version = 2;
      a.vrid = 51;
      a.priority = source[12] == '1' ? 150 : 100;
      a.interval_seconds = 1;
      a.source = source;
      a.addresses = {"198.51.100.100"};
      tracker.Observe("eth0", false, a,
                      t0 + std::chrono::milliseconds(1000 * i + 300 * (a.priority == 100)),
                      WallClock::now());
    }
  }
  view.wire = tracker.View(t0 + std::chrono::milliseconds(3500));
  view.wire_errors = {{"bad_checksum", 2}};
  view.addresses =
      std::multimap<std::string, LocalAddress>{{"198.51.100.100", LocalAddress{"eth0", 24, {}}}};
  view.vips = {"198.51.100.100", "198.51.100.200"};
  MetricWriter w;
  WriteKeepalived(view, w);
  EXPECT_EQ(w.out_of_order(), 0u);
  std::string out;
  w.TakeInto(out);
  return out;
}

TEST(KeepalivedMetrics, FamiliesAreTheDocumentedOnes) {
  const std::string out = Render("split", "n3");
  std::string error;
  const auto e = testing::ParseExposition(out, &error);
  ASSERT_TRUE(e) << error << "\n" << out;
  std::map<std::string, MetricSpec> specs;
  for (const auto& s : KeepalivedMetricSpecs()) {
    specs.emplace(std::string(s.name), s);
  }
  const std::regex name_re("^keepalived_[a-z0-9_]+$");
  for (const auto& [name, family] : e->families) {
    ASSERT_TRUE(specs.contains(name)) << name << " is not in KeepalivedMetricSpecs()";
    const MetricSpec& spec = specs.at(name);
    EXPECT_TRUE(std::regex_match(name, name_re)) << name;
    EXPECT_EQ(family.type, spec.type == MetricType::kCounter ? "counter" : "gauge") << name;
    if (family.type == "counter") {
      EXPECT_TRUE(name.ends_with("_total")) << name;
    }
    std::set<std::string> documented;
    std::stringstream labels{std::string(spec.labels)};
    for (std::string l; std::getline(labels, l, ',');) {
      documented.insert(l.substr(l.find_first_not_of(' ')));
    }
    for (const auto& sample : family.samples) {
      for (const auto& [label, value] : sample.labels) {
        EXPECT_TRUE(documented.contains(label)) << name << " has undocumented label " << label;
        EXPECT_NE(label, "state");  // Prometheus users expect the state as a value
        EXPECT_NE(label, "instance");
        EXPECT_NE(label, "job");
      }
      EXPECT_EQ(sample.labels.at("node_name"), "n3") << name;
    }
  }
  // mehdy/keepalived-exporter's names and labels, from the dumps.
  EXPECT_EQ(testing::FindSample(*e, "keepalived_vrrp_state",
                                {{"iname", "VI_1"},
                                 {"intf", "eth0"},
                                 {"vrid", "51"},
                                 {"ip_address", "198.51.100.100/24"}})
                ->value,
            1);  // n3 is BACKUP in the split
  EXPECT_NE(
      testing::FindSample(*e, "keepalived_advertisements_received_total", {{"iname", "VI_1"}}),
      nullptr);
  EXPECT_EQ(testing::FindSample(*e, "keepalived_up")->value, 1);
  // The wire: interleaved adverts of .11 and .12 are a split brain; .11 is the master.
  EXPECT_EQ(testing::FindSample(*e, "keepalived_wire_split_brain", {{"vrid", "51"}})->value, 1);
  EXPECT_EQ(testing::FindSample(*e, "keepalived_wire_masters", {{"vrid", "51"}})->value, 2);
  EXPECT_EQ(testing::FindSample(*e, "keepalived_wire_master_info", {{"master_ip", "198.51.100.11"}})
                ->value,
            1);
  EXPECT_EQ(
      testing::FindSample(*e, "keepalived_wire_packet_errors_total", {{"cause", "bad_checksum"}})
          ->value,
      2);
  EXPECT_EQ(testing::FindSample(*e, "keepalived_vip_present", {{"vip", "198.51.100.100"}})->value,
            1);
  EXPECT_EQ(testing::FindSample(*e, "keepalived_vip_present", {{"vip", "198.51.100.200"}})->value,
            0);
}

// promtool (Debian's prometheus package) is the reference linter of the format.
TEST(KeepalivedMetrics, PassPromtool) {
  const std::string path = ::testing::TempDir() + "/keepalived_promtool.prom";
  {
    std::ofstream file(path);
    file << Render("fault", "n2");
  }
  std::FILE* p = ::popen(("promtool check metrics < " + path + " 2>&1").c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string output;
  char buf[512];
  while (std::fgets(buf, sizeof buf, p) != nullptr) {
    output += buf;
  }
  const int status = ::pclose(p);
  EXPECT_EQ(status, 0) << output;
}

}  // namespace
}  // namespace swarmscope::keepalived
