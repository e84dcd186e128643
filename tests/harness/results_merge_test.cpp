// Tests of merge's reading and rules on hand-made folders and on folders the real writer wrote:
// CSV split/join against hand-worked lines, byte-identical output for a single writer folder,
// de-duplication by run_id (status, identical, conflicting), refusal of different grids, the
// union of columns, torn last lines, and the merged meta.json. The CLI is cli_merge_test.cpp.
#include "results_merge.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "files.hpp"
#include "greenbench/errors.hpp"
#include "greenbench/results.hpp"
#include "results_csv.hpp"
#include "results_read.hpp"
#include "run_cli.hpp"

namespace greenbench {
namespace {

namespace fs = std::filesystem;
using testing::slurp;

void spit(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

using Folder = testing::TempFolder;

nlohmann::json meta_of(const std::string& grid_name, const std::string& start,
                       const std::string& end, double idle_w) {
  return {{"schema_version", 1},
          {"grid_name", grid_name},
          {"grid", "name: " + grid_name + "\nrepeats: 1\n"},
          {"host", "box"},
          {"start_time", start},
          {"end_time", end},
          {"idle_power_w", idle_w}};
}

// A hand-made folder: meta.json, runs.jsonl from rows, runs.csv with `header`, epochs.csv.
std::string folder_make(const std::string& dir, const nlohmann::json& meta,
                        const std::vector<nlohmann::json>& rows,
                        const std::vector<std::string>& header, const std::string& epochs = "") {
  fs::create_directories(dir);
  spit(dir + "/meta.json", meta.dump(2));
  std::string jsonl, csv = csv_join(header) + "\n";
  for (const auto& r : rows) {
    jsonl += r.dump() + "\n";
    std::vector<std::string> cells;
    for (const auto& c : header) cells.push_back(r.contains(c) ? csv_cell_text(r[c]) : "");
    csv += csv_join(cells) + "\n";
  }
  spit(dir + "/runs.jsonl", jsonl);
  spit(dir + "/runs.csv", csv);
  spit(dir + "/epochs.csv",
       "run_id,epoch,phase,seconds,energy_j,samples,loss,accuracy,tokens\n" + epochs);
  return dir;
}

nlohmann::json row_of(const std::string& id, const std::string& status, double energy_j) {
  return {{"run_id", id},         {"config_id", id.substr(0, id.find('-'))},
          {"repeat", 0},          {"workload", "mlp"},
          {"status", status},     {"error", ""},
          {"hidden", {32}},       {"params", 100},
          {"energy_j", energy_j}, {"estimated", true}};
}

// Whether results_folder_read(dir) refuses with an InputError whose message holds `part`.
::testing::AssertionResult read_fails_with(const std::string& dir, const std::string& part) {
  try {
    results_folder_read(dir);
  } catch (const InputError& e) {
    if (std::string(e.what()).find(part) != std::string::npos) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "the error lacks \"" << part << "\": " << e.what();
  }
  return ::testing::AssertionFailure() << dir << " was read without an error";
}

const std::vector<std::string> kHeader = {"run_id", "config_id", "repeat", "workload", "status",
                                          "error",  "hidden",    "params", "energy_j", "estimated"};

TEST(ResultsCsv, SplitsAndJoinsLikeRfc4180) {
  std::vector<std::string> cells;
  int bad = 0;
  ASSERT_TRUE(csv_split(R"(a,"b,c","d""e",,)", &cells, &bad));
  EXPECT_EQ(cells, (std::vector<std::string>{"a", "b,c", "d\"e", "", ""}));
  EXPECT_EQ(csv_join(cells), R"(a,"b,c","d""e",,)");
  EXPECT_FALSE(csv_split(R"(a,"b)", &cells, &bad));
  EXPECT_EQ(bad, 3);  // the opening quote of the unclosed cell
  EXPECT_FALSE(csv_split(R"("a"b,c)", &cells, &bad));
  EXPECT_EQ(bad, 4);  // text after the closing quote
  EXPECT_EQ(csv_cell_text(nlohmann::json::parse("[256,128]")), "[256,128]");
  EXPECT_EQ(csv_cell_text(0.1), "0.1");
  EXPECT_EQ(csv_cell_text(nullptr), "");
  EXPECT_EQ(csv_cell_value("[256,128]"), nlohmann::json::parse("[256,128]"));
  EXPECT_EQ(csv_cell_value("relu"), "relu");
  EXPECT_EQ(csv_cell_value(""), nullptr);
}

// What the real writer wrote, merged alone, comes out byte for byte (an independent check of
// the merge's CSV and JSONL formatting against the writer's).
TEST(ResultsMerge, OneWriterFolderMergesToTheSameBytes) {
  Folder f;
  {
    ResultsWriter w(f.dir, {"activation", "batch_size", "hidden", "note"}, false);
    for (int i = 0; i < 3; ++i) {
      RunRecord r;
      r.run_id = "c0ffee" + std::to_string(i) + "-r0";
      r.config_id = "c0ffee" + std::to_string(i);
      r.workload = "mlp";
      r.status = i == 2 ? "failed" : "ok";
      r.error = i == 2 ? "boom, \"quoted\"\nline" : "";
      r.config = {
          {"hidden", {256, 128 + i}}, {"batch_size", 64}, {"activation", "relu"}, {"note", "a,b"}};
      r.params = 1000 + i;
      r.macs_per_sample = 2500;
      r.energy_j = 12.5 / 3 + i;
      r.test_accuracy = 0.1 * i;
      r.meter_source = "estimate";
      r.estimated = true;
      w.run_append(r, {EpochRow{r.run_id, 1, "train", 1.0 / 3, 10.0, 100, 0.5, 0.8, 0},
                       EpochRow{r.run_id, 1, "infer", 0.2, 2.5, 50, kNaN, 0.75, 0}});
    }
  }
  spit(f.dir + "/meta.json",
       meta_of("g", "2026-01-01T00:00:00Z", "2026-01-01T01:00:00Z", 2).dump());
  const auto m = results_merge({results_folder_read(f.dir)}, "now");
  EXPECT_EQ(m.runs_jsonl, slurp(f.dir + "/runs.jsonl"));
  EXPECT_EQ(m.runs_csv, slurp(f.dir + "/runs.csv"));
  EXPECT_EQ(m.epochs_csv, slurp(f.dir + "/epochs.csv"));
  EXPECT_EQ(m.runs.size(), 3u);
  EXPECT_TRUE(m.notes.empty());
}

TEST(ResultsMerge, DeduplicatesByRunIdPreferringFinishedRows) {
  Folder f;
  const auto a =
      folder_make(f.dir + "/a", meta_of("g", "2026-01-01T10:00:00Z", "2026-01-01T11:00:00Z", 3.0),
                  {row_of("x-r0", "ok", 1), row_of("y-r0", "interrupted", 0.5)}, kHeader,
                  "x-r0,1,train,1,1,10,,,0\ny-r0,1,train,1,0.5,10,,,0\n");
  const auto b = folder_make(
      f.dir + "/b", meta_of("g", "2026-01-01T09:00:00Z", "2026-01-01T10:30:00Z", 4.0),
      {row_of("y-r0", "ok", 2), row_of("z-r0", "ok", 3), row_of("x-r0", "ok", 1)}, kHeader,
      "y-r0,1,train,2,2,10,,,0\ny-r0,2,train,2,2,10,,,0\nz-r0,1,train,1,3,10,,,0\n"
      "x-r0,1,train,9,9,10,,,0\n");
  const auto m = results_merge({results_folder_read(a), results_folder_read(b)}, "now");
  ASSERT_EQ(m.runs.size(), 3u);
  EXPECT_EQ(m.rows_read, 5u);
  EXPECT_EQ(m.duplicates_identical, 1u);  // x: the same row in both: silent
  EXPECT_EQ(m.duplicates_resolved, 1u);   // y: ok in b beats interrupted in a
  EXPECT_EQ(m.conflicts, 0u);
  ASSERT_EQ(m.notes.size(), 1u);
  EXPECT_NE(m.notes[0].find("run y-r0: kept the ok row of " + b + "/runs.jsonl:1"),
            std::string::npos)
      << m.notes[0];
  // Order: first appearance; y's row is b's, in a's place; epochs come from the kept row's folder.
  EXPECT_EQ(m.runs[0].run_id, "x-r0");
  EXPECT_EQ(m.runs[0].source, 0u);
  EXPECT_EQ(m.runs[1].run_id, "y-r0");
  EXPECT_EQ(m.runs[1].source, 1u);
  EXPECT_EQ(m.runs[2].run_id, "z-r0");
  EXPECT_NE(
      m.runs_jsonl.find(
          R"("energy_j":2.0,"error":"","estimated":true,"hidden":[32],"params":100,"repeat":0,)"
          R"("run_id":"y-r0","status":"ok")"),
      std::string::npos)
      << m.runs_jsonl;
  EXPECT_EQ(m.epochs_csv,
            // Input folders without energy_model_j: the merged epochs.csv has the column, empty.
            "run_id,epoch,phase,seconds,energy_j,samples,loss,accuracy,tokens,energy_model_j\n"
            "x-r0,1,train,1,1,10,,,0,\ny-r0,1,train,2,2,10,,,0,\ny-r0,2,train,2,2,10,,,0,\n"
            "z-r0,1,train,1,3,10,,,0,\n");
  // meta.json: the earliest start, the latest end, each source with its idle power.
  EXPECT_EQ(m.meta["start_time"], "2026-01-01T09:00:00Z");
  EXPECT_EQ(m.meta["end_time"], "2026-01-01T11:00:00Z");
  EXPECT_EQ(m.meta["grid_name"], "g");
  EXPECT_EQ(m.meta["host"], "box");
  ASSERT_EQ(m.meta["sources"].size(), 2u);
  EXPECT_EQ(m.meta["sources"][0]["dir"], a);
  EXPECT_EQ(m.meta["sources"][0]["idle_power_w"], 3.0);
  EXPECT_EQ(m.meta["sources"][1]["idle_power_w"], 4.0);
  EXPECT_EQ(m.meta["sources"][0]["runs_kept"], 1);
  EXPECT_EQ(m.meta["sources"][1]["runs_kept"], 2);
  EXPECT_FALSE(m.meta.contains("idle_power_w"));
}

TEST(ResultsMerge, ConflictingDuplicatesAreReportedAndTheFirstKept) {
  Folder f;
  const auto a =
      folder_make(f.dir + "/a", meta_of("g", "", "", 1), {row_of("x-r0", "ok", 1)}, kHeader);
  const auto b =
      folder_make(f.dir + "/b", meta_of("g", "", "", 1), {row_of("x-r0", "ok", 7)}, kHeader);
  const auto m = results_merge({results_folder_read(a), results_folder_read(b)}, "now");
  EXPECT_EQ(m.conflicts, 1u);
  ASSERT_EQ(m.notes.size(), 1u);
  EXPECT_NE(m.notes[0].find("CONFLICT"), std::string::npos);
  EXPECT_NE(m.notes[0].find("energy_j: 1.0 vs 7.0"), std::string::npos) << m.notes[0];
  EXPECT_NE(m.runs_jsonl.find(R"("energy_j":1.0)"), std::string::npos);
}

TEST(ResultsMerge, RefusesFoldersOfDifferentGrids) {
  Folder f;
  const auto a = folder_make(f.dir + "/a", meta_of("quick", "", "", 1), {}, kHeader);
  const auto b = folder_make(f.dir + "/b", meta_of("study", "", "", 1), {}, kHeader);
  auto meta_c = meta_of("quick", "", "", 1);
  meta_c["grid"] = "name: quick\nrepeats: 3\n";
  const auto c = folder_make(f.dir + "/c", meta_c, {}, kHeader);
  try {
    results_merge({results_folder_read(a), results_folder_read(b), results_folder_read(c)}, "now");
    FAIL() << "merged different grids";
  } catch (const InputError& e) {
    const std::string msg = e.what();
    EXPECT_NE(
        msg.find(a + " and " + b + " hold different grids: grid_name is \"quick\" vs \"study\""),
        std::string::npos)
        << msg;
    EXPECT_NE(msg.find(a + " and " + c +
                       " hold different grids: the grid files differ at line 2: 'repeats: 1' vs "
                       "'repeats: 3'"),
              std::string::npos)
        << msg;
  }
  auto meta_d = meta_of("quick", "", "", 1);
  meta_d["schema_version"] = 99;
  const auto d = folder_make(f.dir + "/d", meta_d, {}, kHeader);
  EXPECT_THROW(results_merge({results_folder_read(d)}, "now"), InputError);
}

TEST(ResultsMerge, MissingShardsAreNotedAndGridIdsCompared) {
  Folder f;
  std::vector<ResultsFolder> in;
  for (int i : {0, 2}) {
    auto m = meta_of("g", "", "", 1);
    m["grid_id"] = "abc";
    m["shard"] = {{"index", i}, {"count", 4}};
    in.push_back(
        results_folder_read(folder_make(f.dir + "/s" + std::to_string(i), m, {}, kHeader)));
  }
  const auto m = results_merge(in, "now");
  ASSERT_EQ(m.notes.size(), 1u);
  EXPECT_EQ(m.notes[0],
            "shards 1, 3 of 4 are not among the inputs: the merged folder holds part of the grid");
  EXPECT_EQ(m.meta["shards"],
            nlohmann::json::parse(R"([{"index":0,"count":4},{"index":2,"count":4}])"));
  in[1].meta["grid_id"] = "abd";  // same name and text, different runs (e.g. other --set overrides)
  try {
    results_merge(in, "now");
    ADD_FAILURE();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("grid_id is \"abc\" vs \"abd\""), std::string::npos)
        << e.what();
  }
}

TEST(ResultsMerge, ColumnsAreTheUnionInSpecOrder) {
  Folder f;
  auto ra = row_of("x-r0", "ok", 1);
  auto rb = row_of("y-r0", "ok", 2);
  rb.erase("hidden");
  rb["activation"] = "gelu";
  rb["gpu_j"] = 0.5;  // a column a newer writer adds after the fixed ones
  const std::vector<std::string> hb = {"run_id",   "config_id", "repeat",     "workload",
                                       "status",   "error",     "activation", "params",
                                       "energy_j", "estimated", "gpu_j"};
  const auto a = folder_make(f.dir + "/a", meta_of("g", "", "", 1), {ra}, kHeader);
  const auto b = folder_make(f.dir + "/b", meta_of("g", "", "", 1), {rb}, hb);
  const auto m = results_merge({results_folder_read(a), results_folder_read(b)}, "now");
  std::string want = "run_id,config_id,repeat,workload,status,error,hidden,activation";
  for (const auto& c : runs_columns_after_keys()) want += "," + c;
  want += ",gpu_j\n";
  EXPECT_EQ(m.runs_csv.substr(0, m.runs_csv.find('\n') + 1), want);
  std::string torn;
  const auto lines = text_lines(m.runs_csv, &torn);
  ASSERT_EQ(lines.size(), 3u);
  std::vector<std::string> cells;
  int bad = 0;
  ASSERT_TRUE(csv_split(lines[1], &cells, &bad));
  EXPECT_EQ(cells[6], "[32]");
  EXPECT_EQ(cells[7], "");  // a has no activation
  ASSERT_TRUE(csv_split(lines[2], &cells, &bad));
  EXPECT_EQ(cells[6], "");
  EXPECT_EQ(cells[7], "gelu");
  EXPECT_EQ(cells.back(), "0.5");
}

TEST(ResultsMerge, TornLastLinesAreDroppedWithANote) {
  Folder f;
  const auto a = folder_make(f.dir + "/a", meta_of("g", "", "", 1), {row_of("x-r0", "ok", 1)},
                             kHeader, "x-r0,1,train,1,1,10,,,0\n");
  std::ofstream(a + "/runs.jsonl", std::ios::app) << R"({"run_id":"y-r0","status":"o)";
  std::ofstream(a + "/runs.csv", std::ios::app) << "y-r0,y,0,mlp,o";
  std::ofstream(a + "/epochs.csv", std::ios::app) << "y-r0,1,tra";
  const auto folder = results_folder_read(a);
  ASSERT_EQ(folder.runs.size(), 1u);
  ASSERT_EQ(folder.notes.size(), 3u);
  EXPECT_NE(folder.notes[0].find(a + "/runs.jsonl:2: dropped a half-written last line"),
            std::string::npos)
      << folder.notes[0];
  const auto m = results_merge({folder}, "now");
  EXPECT_EQ(m.runs.size(), 1u);
  EXPECT_EQ(m.runs_csv.find("y-r0"), std::string::npos);
  EXPECT_EQ(m.epochs_csv.find("y-r0"), std::string::npos);
}

TEST(ResultsMerge, DamageBeforeTheLastLineIsAnErrorWithItsLine) {
  Folder f;
  const auto a = folder_make(f.dir + "/a", meta_of("g", "", "", 1),
                             {row_of("x-r0", "ok", 1), row_of("y-r0", "ok", 2)}, kHeader);
  spit(a + "/runs.jsonl", row_of("x-r0", "ok", 1).dump() + "\n{\"run_id\": oops}\n");
  EXPECT_TRUE(read_fails_with(a, a + "/runs.jsonl:2:12: not a JSON object"));
  // Found by tests/fuzz/results_folder_fuzz.cpp: an empty field name became an empty runs.csv
  // column that merge could not read back; field names with control characters likewise.
  for (const char* row : {R"({"run_id":"x-r0","":1})", R"({"run_id":"x-r0","a\nb":1})"}) {
    spit(a + "/runs.jsonl", std::string(row) + "\n");
    EXPECT_TRUE(read_fails_with(a, "runs.jsonl:1:1: field name")) << row;
  }
  spit(a + "/runs.jsonl", R"({"run_id":"../../etc/x"})"
                          "\n");
  EXPECT_THROW(results_folder_read(a), InputError);  // run ids name trace files: no paths
  spit(a + "/runs.jsonl", "");
  spit(a + "/runs.csv", "run_id,status\nx-r0,ok,extra\n");
  EXPECT_TRUE(read_fails_with(a, a + "/runs.csv:2:1: 3 cells, but the header has 2 columns"));
  // Found by tests/fuzz/results_folder_fuzz.cpp: a header name with a control character
  // became a runs.jsonl field name that merge could not read back.
  spit(a + "/runs.csv",
       "run_id,st\x16"
       "atus\nx-r0,ok\n");
  EXPECT_TRUE(read_fails_with(
      a, "runs.csv:1: bad header: column name \"st\\u0016atus\" is holding control"));
  // Found by tests/fuzz/results_folder_fuzz.cpp: bytes that are not UTF-8 in a CSV-only row
  // reached the merged runs.jsonl as U+FFFD but runs.csv as they were; now they are damage.
  spit(a + "/runs.csv", std::string("run_id,status\nx-r0,o\xffk\n"));
  EXPECT_TRUE(read_fails_with(a, a + "/runs.csv:2:7: bytes that are not UTF-8 text"));
  fs::remove(a + "/meta.json");
  EXPECT_THROW(results_folder_read(a), InputError);
}

TEST(ResultsMerge, RowsOnlyInRunsCsvAreKeptTyped) {
  Folder f;
  const auto a =
      folder_make(f.dir + "/a", meta_of("g", "", "", 1), {row_of("x-r0", "ok", 1)}, kHeader);
  fs::remove(a + "/runs.jsonl");
  const auto folder = results_folder_read(a);
  ASSERT_EQ(folder.runs.size(), 1u);
  EXPECT_EQ(folder.runs[0]["hidden"], nlohmann::json::parse("[32]"));
  EXPECT_EQ(folder.runs[0]["energy_j"], 1);
  EXPECT_EQ(folder.runs[0]["error"], "");
  EXPECT_EQ(folder.runs[0]["estimated"], true);
}

}  // namespace
}  // namespace greenbench
