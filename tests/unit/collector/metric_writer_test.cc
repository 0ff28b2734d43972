#include "collector/metric_writer.h"

#include <gtest/gtest.h>
#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>

#include "tests/support/exposition_parser.h"

namespace swarmscope {
namespace {

constexpr MetricSpec kCpu{"test_cpu_seconds_total", MetricType::kCounter,
                          "CPU time (cpuacct.usage)."};
constexpr MetricSpec kMem{"test_memory_bytes", MetricType::kGauge, "Memory in\\use\nnow."};

std::string Render(double v) {
  std::string s;
  AppendValue(s, v);
  return s;
}

TEST(AppendValue, IntegersHaveNoExponent) {
  EXPECT_EQ(Render(0), "0");
  EXPECT_EQ(Render(1), "1");
  EXPECT_EQ(Render(-42), "-42");
  EXPECT_EQ(Render(1e6), "1000000");
  EXPECT_EQ(Render(9223372036854771712.0), "9223372036854771712");
  EXPECT_EQ(Render(1e20), "100000000000000000000");
  std::string s;
  AppendValue(s, std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(s, "18446744073709551615");
  s.clear();
  AppendValue(s, int64_t{-7});
  EXPECT_EQ(s, "-7");
}

TEST(AppendValue, SpecialValues) {
  EXPECT_EQ(Render(std::numeric_limits<double>::quiet_NaN()), "NaN");
  EXPECT_EQ(Render(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(Render(-std::numeric_limits<double>::infinity()), "-Inf");
}

TEST(AppendValue, FractionsRoundTrip) {
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> dist(-1e12, 1e12);
  for (int i = 0; i < 10000; ++i) {
    const double v = dist(rng) / 3.0;
    EXPECT_EQ(std::strtod(Render(v).c_str(), nullptr), v);
  }
  EXPECT_EQ(Render(0.5), "0.5");
  EXPECT_EQ(Render(1e-9), "1e-09");
}

TEST(Escaping, LabelValues) {
  std::string s;
  AppendEscapedLabelValue(s, "a\\b\"c\nd");
  EXPECT_EQ(s, "a\\\\b\\\"c\\nd");
}

TEST(Escaping, HelpKeepsQuotes) {
  std::string s;
  AppendEscapedHelp(s, "say \"hi\"\\\n");
  EXPECT_EQ(s, "say \"hi\"\\\\\\n");
}

TEST(Escaping, InvalidUtf8IsReplaced) {
  std::string s;
  AppendEscapedLabelValue(s, "ok\xC3\xA9 bad\xFF end\xE2\x82");
  EXPECT_EQ(s, "ok\xC3\xA9 bad\xEF\xBF\xBD end\xEF\xBF\xBD\xEF\xBF\xBD");
  s.clear();
  AppendEscapedLabelValue(s, "\xED\xA0\x80");  // a UTF-16 surrogate, not valid UTF-8
  EXPECT_EQ(s, "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  s.clear();
  AppendEscapedLabelValue(s, "\xF0\x9F\x90\xB3");  // U+1F433 whale, valid
  EXPECT_EQ(s, "\xF0\x9F\x90\xB3");
}

TEST(MetricWriter, HelpAndTypeOncePerFamily) {
  MetricWriter w;
  LabelSet a;
  a.Add("id", "/docker/a").Add("name", "web");
  LabelSet b;
  b.Add("id", "/docker/b");
  auto& cpu = w.Family(kCpu);
  auto& mem = w.Family(kMem);
  cpu.Add(a, "cpu", "total", 1.5);
  cpu.Add(b, "cpu", "total", 2.0);
  mem.Add(a, uint64_t{100});
  mem.Add(b, uint64_t{200});
  std::string out;
  w.TakeInto(out);
  EXPECT_EQ(out,
            "# HELP test_cpu_seconds_total CPU time (cpuacct.usage).\n"
            "# TYPE test_cpu_seconds_total counter\n"
            "test_cpu_seconds_total{id=\"/docker/a\",name=\"web\",cpu=\"total\"} 1.5\n"
            "test_cpu_seconds_total{id=\"/docker/b\",cpu=\"total\"} 2\n"
            "# HELP test_memory_bytes Memory in\\\\use\\nnow.\n"
            "# TYPE test_memory_bytes gauge\n"
            "test_memory_bytes{id=\"/docker/a\",name=\"web\"} 100\n"
            "test_memory_bytes{id=\"/docker/b\"} 200\n");
  EXPECT_EQ(w.out_of_order(), 0u);
}

TEST(MetricWriter, ReturningToAFamilyIsCounted) {
  MetricWriter w;
  w.Family(kCpu).Add(1.0);
  w.Family(kMem).Add(2.0);
  w.Family(kCpu).Add(3.0);
  EXPECT_EQ(w.out_of_order(), 1u);
  std::string out;
  w.TakeInto(out);
  EXPECT_FALSE(testing::ParseExposition(out));  // not contiguous: the parser refuses it
}

TEST(MetricWriter, SinkReceivesChunksAndKeepsOrder) {
  std::string streamed;
  int chunks = 0;
  MetricWriter w(
      [&](std::string_view chunk) {
        streamed += chunk;
        ++chunks;
      },
      /*flush_bytes=*/64);
  MetricWriter plain;
  for (const auto* spec : {&kCpu, &kMem}) {
    for (int i = 0; i < 20; ++i) {
      LabelSet l;
      l.Add("i", std::to_string(i));
      w.Family(*spec).Add(l, i);
      plain.Family(*spec).Add(l, i);
    }
  }
  w.Flush();
  EXPECT_GT(chunks, 1);
  EXPECT_TRUE(w.text().empty());
  EXPECT_EQ(streamed, plain.text());
}

TEST(MetricWriter, BufferIsReused) {
  MetricWriter w;
  w.Family(kCpu).Add(1.0);
  std::string buffer = w.TakeBuffer();
  EXPECT_FALSE(buffer.empty());
  buffer.reserve(1 << 20);
  const char* memory = buffer.data();
  w.AdoptBuffer(std::move(buffer));
  EXPECT_TRUE(w.text().empty());
  w.Family(kMem).Add(2.0);
  EXPECT_EQ(w.text().data(), memory);
  EXPECT_EQ(w.text().rfind("# HELP test_memory_bytes", 0), 0u);
}

TEST(MetricWriter, EmptyFamiliesAndLabelsAndTimestamps) {
  MetricWriter w;
  w.Family(kMem);  // never gets a sample: left out
  auto& cpu = w.Family(kCpu);
  cpu.Add(3.0);
  LabelSet extra;
  extra.Add("mode", "user");
  cpu.Add(LabelSet(), extra, 4.0);
  LabelSet l;
  l.Add("x", "y");
  cpu.AddWithTimestamp(l, 5.0, 1700000000123);
  std::string out;
  w.TakeInto(out);
  EXPECT_EQ(out,
            "# HELP test_cpu_seconds_total CPU time (cpuacct.usage).\n"
            "# TYPE test_cpu_seconds_total counter\n"
            "test_cpu_seconds_total 3\n"
            "test_cpu_seconds_total{mode=\"user\"} 4\n"
            "test_cpu_seconds_total{x=\"y\"} 5 1700000000123\n");
}

TEST(MetricWriter, DeterministicOrderIsFirstUse) {
  for (int round = 0; round < 2; ++round) {
    MetricWriter w;
    w.Family(kMem).Add(1.0);
    w.Family(kCpu).Add(2.0);
    std::string out;
    w.TakeInto(out);
    EXPECT_LT(out.find("test_memory_bytes"), out.find("test_cpu_seconds_total"));
  }
}

TEST(LabelSet, AppendJoinsSets) {
  LabelSet a;
  a.Add("a", "1");
  LabelSet b;
  b.Add("b", "2");
  LabelSet empty;
  a.Append(b).Append(empty);
  EXPECT_EQ(a.rendered(), "a=\"1\",b=\"2\"");
  empty.Append(b);
  EXPECT_EQ(empty.rendered(), "b=\"2\"");
}

// --- Equivalence with prometheus-cpp's TextSerializer -----------------------------------

struct Content {
  struct Series {
    std::vector<std::pair<std::string, std::string>> labels;
    double value;
  };
  std::string name;
  MetricType type;
  std::string help;
  std::vector<Series> series;
};

std::vector<Content> MakeContent(int families, int series, int labels, uint64_t seed) {
  std::mt19937_64 rng(seed);
  const std::string tricky[] = {"plain", "with \"quotes\"", "back\\slash", "new\nline",
                                "",      "ünïcödé",         "{}=,"};
  std::vector<Content> out;
  for (int f = 0; f < families; ++f) {
    Content c;
    c.name = "family_" + std::to_string(f) + (f % 2 ? "_total" : "_bytes");
    c.type = f % 2 ? MetricType::kCounter : MetricType::kGauge;
    // HELP without newline or backslash: prometheus-cpp 1.0.1 writes those unescaped
    // (our escaping of HELP is checked above).
    c.help = "Help of family " + std::to_string(f) + " \"quoted\" ünïcödé";
    for (int s = 0; s < series; ++s) {
      Content::Series ser;
      for (int l = 0; l < labels; ++l) {
        ser.labels.emplace_back("label_" + std::to_string(l),
                                tricky[(s + l) % 7] + std::to_string(rng() % 1000));
      }
      const int kind = static_cast<int>(rng() % 8);
      ser.value = kind == 0   ? std::numeric_limits<double>::quiet_NaN()
                  : kind == 1 ? std::numeric_limits<double>::infinity()
                  : kind == 2 ? static_cast<double>(rng() % 100000000000ULL)
                              : static_cast<double>(rng() % 1000000) / 7.0;
      c.series.push_back(std::move(ser));
    }
    out.push_back(std::move(c));
  }
  return out;
}

std::string WithWriter(const std::vector<Content>& content) {
  MetricWriter w;
  for (const auto& c : content) {
    auto& fam = w.Family(MetricSpec{c.name, c.type, c.help});
    for (const auto& s : c.series) {
      LabelSet ls;
      for (const auto& [k, v] : s.labels) {
        ls.Add(k, v);
      }
      fam.Add(ls, s.value);
    }
  }
  std::string out;
  w.TakeInto(out);
  return out;
}

std::string WithTextSerializer(const std::vector<Content>& content) {
  std::vector<prometheus::MetricFamily> families;
  for (const auto& c : content) {
    prometheus::MetricFamily f;
    f.name = c.name;
    f.help = c.help;
    f.type = c.type == MetricType::kCounter ? prometheus::MetricType::Counter
                                            : prometheus::MetricType::Gauge;
    for (const auto& s : c.series) {
      prometheus::ClientMetric m;
      for (const auto& [k, v] : s.labels) {
        m.label.push_back({k, v});
      }
      if (c.type == MetricType::kCounter) {
        m.counter.value = s.value;
      } else {
        m.gauge.value = s.value;
      }
      f.metric.push_back(std::move(m));
    }
    families.push_back(std::move(f));
  }
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families);
  return out.str();
}

TEST(MetricWriter, ParsedOutputEqualsTextSerializer) {
  const auto content = MakeContent(12, 50, 7, 7);
  std::string error;
  const auto ours = testing::ParseExposition(WithWriter(content), &error);
  ASSERT_TRUE(ours) << error;
  const auto theirs = testing::ParseExposition(WithTextSerializer(content), &error);
  ASSERT_TRUE(theirs) << error << "\n" << WithTextSerializer(content).substr(0, 3000);
  for (const auto& d : testing::ExpositionDifferences(*ours, *theirs)) {
    ADD_FAILURE() << d;
  }
}

// promtool (Debian's prometheus package) is the reference linter of the format.
TEST(MetricWriter, OutputPassesPromtool) {
  const std::string path = ::testing::TempDir() + "/writer_promtool.prom";
  {
    std::ofstream file(path);
    file << WithWriter(MakeContent(12, 50, 7, 11));
  }
  const std::string cmd = "promtool check metrics < " + path + " 2>&1";
  std::FILE* pipe = ::popen(cmd.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buf[4096];
  while (size_t n = std::fread(buf, 1, sizeof(buf), pipe)) {
    output.append(buf, n);
  }
  const int status = ::pclose(pipe);
  EXPECT_EQ(status, 0) << "promtool said:\n" << output;
}

}  // namespace
}  // namespace swarmscope
