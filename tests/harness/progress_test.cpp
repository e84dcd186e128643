// Grid progress: the ETA from expected times scaled by finished runs (by hand), the mean-time
// fallback, the terminal bar's content and width, and plain lines when not on a terminal.
#include "progress.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

namespace greenbench {
namespace {

std::vector<RunPlan> plans_of(std::vector<double> expected_s) {
  std::vector<RunPlan> plans;
  for (size_t i = 0; i < expected_s.size(); ++i) {
    RunPlan p;
    p.workload = "mlp";
    p.run_id = "id" + std::to_string(i) + "-r0";
    p.label = "mlp batch_size=" + std::to_string(8 << i);
    p.expected_s = expected_s[i];
    plans.push_back(p);
  }
  return plans;
}

std::vector<const RunPlan*> ptrs(const std::vector<RunPlan>& plans) {
  std::vector<const RunPlan*> out;
  for (const auto& p : plans) out.push_back(&p);
  return out;
}

std::string file_text(std::FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string s;
  for (int c; (c = std::fgetc(f)) != EOF;) s += static_cast<char>(c);
  return s;
}

TEST(Progress, EtaScalesTheExpectedTimesByTheFinishedRuns) {
  const auto plans = plans_of({10, 10, 20});
  std::FILE* f = std::tmpfile();
  Progress p(ptrs(plans), false, f);
  RunRecord rec;
  rec.energy_j = 100;
  p.run_begin(0);
  p.run_end(0, rec, 5.0);  // took half its expected 10 s
  EXPECT_NEAR(p.eta_s(), (10 + 20) * 0.5, 1e-9);
  p.run_begin(1);
  p.run_end(1, rec, 25.0);  // 30 s for 20 expected: 1.5x
  EXPECT_NEAR(p.eta_s(), 20 * 1.5, 1e-9);
  p.finish();
  const std::string text = file_text(f);
  EXPECT_NE(text.find("[1/3] id0-r0 mlp batch_size=8 ok: 100.0 J"), std::string::npos) << text;
  EXPECT_NE(text.find("[2/3] id1-r0 mlp batch_size=16 ok: 100.0 J"), std::string::npos) << text;
  EXPECT_NE(text.find("energy so far 200.0 J"), std::string::npos) << text;
  EXPECT_EQ(text.find('\r'), std::string::npos);  // plain lines, no bar
  std::fclose(f);
}

TEST(Progress, WithoutExpectationsTheEtaIsTheMeanRunTime) {
  const auto plans = plans_of({0, 0, 0, 0});
  std::FILE* f = std::tmpfile();
  Progress p(ptrs(plans), false, f);
  EXPECT_TRUE(std::isnan(p.eta_s()));
  RunRecord rec;
  p.run_begin(0);
  p.run_end(0, rec, 4.0);
  p.run_begin(1);
  p.run_end(1, rec, 8.0);
  EXPECT_NEAR(p.eta_s(), 6.0 * 2, 1e-9);
  p.finish();
  std::fclose(f);
}

TEST(Progress, TerminalBarShowsRunsEnergyEtaAndTheRunInFlight) {
  const auto plans = plans_of({60, 60, 60, 60});
  std::FILE* f = std::tmpfile();
  Progress p(ptrs(plans), true, f, 200);
  RunRecord rec;
  rec.energy_j = 20000;
  p.run_begin(0);
  p.run_end(0, rec, 60);
  p.run_begin(1);
  const std::string bar = p.bar_text();
  EXPECT_EQ(bar.rfind("[######------------------] 1/4 runs  20.0 kJ so far  ETA 3 min 00 s", 0), 0u)
      << bar;
  EXPECT_NE(bar.find("now: mlp batch_size=16"), std::string::npos) << bar;
  RunRecord failed;
  failed.status = "failed";
  failed.error = "boom";
  p.run_end(1, failed, 1);
  p.finish();
  const std::string text = file_text(f);
  EXPECT_NE(text.find("\r\033[K[2/4] id1-r0 mlp batch_size=16 failed"),
            std::string::npos);  // above the bar
  EXPECT_NE(text.find("error: boom"), std::string::npos);
  EXPECT_EQ(text.find("[1/4] id0-r0"), std::string::npos);  // ok runs only move the bar
  std::fclose(f);
  std::FILE* g = std::tmpfile();
  {
    Progress narrow(ptrs(plans), true, g, 40);
    EXPECT_LE(narrow.bar_text().size(), 39u);
  }
  std::fclose(g);
}

}  // namespace
}  // namespace greenbench
