// The one results reader (harness/results/results_read.cpp), used by merge, analyze, report,
// estimate and --resume, against hand-made folders: RFC 4180 cells, typed runs.csv cells,
// runs.csv and runs.jsonl giving the same rows, typed epochs, and the rules of
// results/README.md ("Reading"): a torn last line dropped with a note in every file; a
// malformed complete line, a wrong type, a bad run id, a link, a different schema_version,
// missing required columns refused with file:line:column; extra columns kept.
#include "results_read.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "greenbench/errors.hpp"
#include "greenbench/results.hpp"
#include "results_csv.hpp"
#include "run_cli.hpp"

namespace greenbench {
namespace {

namespace fs = std::filesystem;

struct Folder : testing::TempFolder {
  Folder() : TempFolder("gb_read") {
    write("meta.json", "{\n  \"grid_name\": \"g\",\n  \"schema_version\": 1\n}\n");
  }
};

std::string error_of(const std::string& dir) {
  try {
    results_folder_read(dir);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

const char* const kRow0 =
    R"({"run_id":"00112233-r0","config_id":"00112233","repeat":0,"workload":"mlp","status":"ok","error":"","hidden":[32,16],"batch_size":64,"params":1000,"energy_j":12.5,"test_accuracy":0.8,"meter_source":"estimate","estimated":true})";

TEST(ResultsRead, CsvCellsFollowRfc4180) {
  std::vector<std::string> c;
  int bad = 0;
  ASSERT_TRUE(csv_split(R"(a,"[256,128]","say ""hi""",,x)", &c, &bad));
  EXPECT_EQ(c, (std::vector<std::string>{"a", "[256,128]", R"(say "hi")", "", "x"}));
  EXPECT_FALSE(csv_split(R"(a,"open)", &c, &bad));
  EXPECT_EQ(bad, 3);
  // Text after a closing quote is refused (the analysis reader used to read "a"b as ab).
  EXPECT_FALSE(csv_split(R"(x,"a"b)", &c, &bad));
  EXPECT_EQ(bad, 6);
}

TEST(ResultsRead, CsvValuesAreTyped) {
  EXPECT_TRUE(csv_cell_value("").is_null());
  EXPECT_EQ(csv_cell_value("1234"), nlohmann::json(1234));
  EXPECT_EQ(csv_cell_value("1.5e3"), nlohmann::json(1500.0));
  EXPECT_EQ(csv_cell_value("true"), nlohmann::json(true));
  EXPECT_EQ(csv_cell_value("[256,128]"), nlohmann::json::parse("[256,128]"));
  EXPECT_EQ(csv_cell_value("relu"), nlohmann::json("relu"));
}

TEST(ResultsRead, CsvAndJsonlGiveTheSameRows) {
  Folder a, b;
  const std::string header =
      "run_id,config_id,repeat,workload,status,error,hidden,batch_size,params,energy_j,"
      "test_accuracy,meter_source,estimated\n";
  // config_id stays text even where it looks like a number.
  a.write("runs.csv",
          header + "00112233-r0,00112233,0,mlp,ok,,\"[32,16]\",64,1000,12.5,0.8,estimate,true\n" +
              "44556677-r0,44556677,0,mlp,failed,\"boom, twice\",[8],32,90,,,estimate,true\n");
  b.write(
      "runs.jsonl",
      std::string(kRow0) + "\n" +
          R"({"run_id":"44556677-r0","config_id":"44556677","repeat":0,"workload":"mlp","status":"failed","error":"boom, twice","hidden":[8],"batch_size":32,"params":90,"energy_j":null,"test_accuracy":null,"meter_source":"estimate","estimated":true})"
          "\n");
  const auto ra = results_folder_read(a.dir), rb = results_folder_read(b.dir);
  ASSERT_EQ(ra.runs.size(), 2u);
  EXPECT_EQ(ra.runs, rb.runs);
  EXPECT_TRUE(ra.estimated);
  EXPECT_EQ(ra.meter_sources, std::vector<std::string>{"estimate"});
  EXPECT_EQ(field_text(ra.runs[1], "error"), "boom, twice");
  EXPECT_TRUE(std::isnan(field_number(ra.runs[1], "energy_j")));
  EXPECT_EQ(ra.runs_file, a.dir + "/runs.csv");
  EXPECT_EQ(rb.runs_file, b.dir + "/runs.jsonl");
  EXPECT_TRUE(ra.epochs.empty());
  EXPECT_EQ(ra.meta["grid_name"], "g");
}

TEST(ResultsRead, EpochRowsAreTyped) {
  Folder f;
  f.write("runs.jsonl", R"({"run_id":"x-r0","status":"ok"})"
                        "\n");
  f.write("epochs.csv",
          "run_id,epoch,phase,seconds,energy_j,samples,loss,accuracy,tokens\n"
          "x-r0,1,train,2.5,30.25,1000,0.7,0.75,0\nx-r0,1,infer,0.5,3,100,0.6,,0\n");
  const auto r = results_folder_read(f.dir);
  ASSERT_EQ(r.epochs.size(), 2u);
  EXPECT_EQ(r.epochs[0].phase, "train");
  EXPECT_DOUBLE_EQ(r.epochs[0].energy_j, 30.25);
  EXPECT_EQ(r.epochs[0].samples, 1000);
  EXPECT_TRUE(std::isnan(r.epochs[1].accuracy));
  EXPECT_EQ(r.epochs_csv.rows.size(), 2u);
  EXPECT_FALSE(r.estimated);
}

// What a crash leaves: the last line of any of the three files without its newline. It is
// dropped, and the note names file:line; the complete lines are read.
TEST(ResultsRead, ATornLastLineIsDroppedWithANoteInEveryFile) {
  Folder f;
  f.write("runs.jsonl", std::string(kRow0) + "\n{\"run_id\":\"4455");
  f.write("runs.csv", "run_id,status\n00112233-r0,ok\n44556677-r0,o");
  f.write("epochs.csv", "run_id,epoch,phase,energy_j\n00112233-r0,1,train,3\n00112233-r0,1,inf");
  const auto r = results_folder_read(f.dir);
  EXPECT_EQ(r.runs.size(), 1u);
  EXPECT_EQ(r.epochs.size(), 1u);
  ASSERT_EQ(r.notes.size(), 3u);
  EXPECT_EQ(r.notes[0].rfind(f.dir + "/runs.jsonl:2: dropped a half-written last line", 0), 0u)
      << r.notes[0];
  EXPECT_EQ(r.notes[1].rfind(f.dir + "/runs.csv:3: dropped", 0), 0u) << r.notes[1];
  EXPECT_EQ(r.notes[2].rfind(f.dir + "/epochs.csv:3: dropped", 0), 0u) << r.notes[2];
}

TEST(ResultsRead, MissingColumnsAreMissingValuesExtraColumnsAreKept) {
  Folder f;
  // No energy_j, no workload: missing values, not errors; gpu_j is a column this build does
  // not know: kept as it is.
  f.write("runs.csv", "run_id,status,gpu_j\nx-r0,ok,2.5\n");
  const auto r = results_folder_read(f.dir);
  ASSERT_EQ(r.runs.size(), 1u);
  EXPECT_TRUE(std::isnan(field_number(r.runs[0], "energy_j")));
  EXPECT_EQ(r.runs[0]["gpu_j"], 2.5);
  // epochs.csv without one of its required columns is refused at the header.
  f.write("epochs.csv", "run_id,epoch,phase,seconds\nx-r0,1,train,1\n");
  EXPECT_NE(error_of(f.dir).find("epochs.csv:1:1: the header lacks the column 'energy_j'"),
            std::string::npos)
      << error_of(f.dir);
}

TEST(ResultsRead, MalformedCompleteLinesNameFileLineAndColumn) {
  Folder bad_json;
  bad_json.write("runs.jsonl", R"({"run_id":"a"})"
                               "\n"
                               R"({"run_id": "b", oops})"
                               "\n");
  EXPECT_NE(error_of(bad_json.dir).find("runs.jsonl:2:"), std::string::npos)
      << error_of(bad_json.dir);

  Folder bad_epochs;
  bad_epochs.write("runs.jsonl", R"({"run_id":"a"})"
                                 "\n");
  bad_epochs.write("epochs.csv",
                   "run_id,epoch,phase,seconds,energy_j,samples,loss,accuracy,tokens\n"
                   "a,1,train,1.0,12x,10,0.5,0.5,0\n");
  const auto msg = error_of(bad_epochs.dir);
  EXPECT_NE(msg.find("epochs.csv:2:15"), std::string::npos) << msg;
  EXPECT_NE(msg.find("energy_j"), std::string::npos) << msg;

  Folder short_row;
  short_row.write("runs.csv", "run_id,status,energy_j\na-r0,ok\n");
  EXPECT_NE(error_of(short_row.dir).find("runs.csv:2:1: 2 cells, but the header has 3 columns"),
            std::string::npos)
      << error_of(short_row.dir);

  Folder quote;
  quote.write("runs.csv", "run_id,status,error\na-r0,ok,\"a\"b\n");
  EXPECT_NE(error_of(quote.dir).find("runs.csv:2:12: bad CSV quoting"), std::string::npos)
      << error_of(quote.dir);

  Folder typed;  // a number column holding text, in runs.csv: the cell's column is named
  typed.write("runs.csv", "run_id,status,energy_j\na-r0,ok,lots\n");
  EXPECT_NE(error_of(typed.dir).find("runs.csv:2:9: field energy_j is \"lots\"; expected a number"),
            std::string::npos)
      << error_of(typed.dir);

  Folder missing;
  fs::remove(missing.dir + "/meta.json");
  EXPECT_NE(error_of(missing.dir).find("it has no meta.json"), std::string::npos);
  Folder neither;
  EXPECT_NE(error_of(neither.dir).find("neither runs.jsonl nor runs.csv"), std::string::npos);
  EXPECT_NE(error_of(neither.dir + "/nope").find("no such results folder"), std::string::npos);
}

// Item 8 of issue 18: a non-string run_id or status was a raw json exception in some readers.
TEST(ResultsRead, RunIdAndStatusMustBeText) {
  Folder f;
  f.write("runs.jsonl", std::string(kRow0) + "\n" + R"({"run_id":7,"status":"ok"})" + "\n");
  EXPECT_NE(error_of(f.dir).find("runs.jsonl:2:1: run_id 7 is not a valid run id"),
            std::string::npos)
      << error_of(f.dir);
  f.write("runs.jsonl", std::string(kRow0) + "\n" + R"({"run_id":"b-r0","status":[1]})" + "\n");
  EXPECT_NE(error_of(f.dir).find("runs.jsonl:2:1: field status is [1]; expected text"),
            std::string::npos)
      << error_of(f.dir);
  f.write("runs.jsonl", R"({"run_id":"b-r0","status":null})"
                        "\n");
  EXPECT_NE(error_of(f.dir).find("runs.jsonl:1:1: field status is null"), std::string::npos)
      << error_of(f.dir);
}

// Item 3 of issue 18: a run id is a file name under traces/; "../" must never reach one.
TEST(ResultsRead, RunIdsFollowTheWritersRule) {
  Folder f;
  f.write("runs.jsonl", R"({"run_id":"../../../../tmp/p/secret","status":"ok"})"
                        "\n");
  EXPECT_NE(error_of(f.dir).find("runs.jsonl:1:1: run_id \"../../../../tmp/p/secret\" is not a "
                                 "valid run id"),
            std::string::npos)
      << error_of(f.dir);
  f.write("runs.jsonl", "");
  f.write("runs.csv", "run_id,status\n.hidden,ok\n");
  EXPECT_NE(error_of(f.dir).find("runs.csv:2:1: run_id \".hidden\""), std::string::npos)
      << error_of(f.dir);
  f.write("runs.csv", "run_id,status\n");
  f.write("epochs.csv", "run_id,epoch,phase,energy_j\na/b,1,train,1\n");
  EXPECT_NE(error_of(f.dir).find("epochs.csv:2:1: run_id \"a/b\""), std::string::npos)
      << error_of(f.dir);
  EXPECT_TRUE(run_id_valid("0123abcd-r0"));
  EXPECT_FALSE(run_id_valid(std::string(201, 'a')));
}

TEST(ResultsRead, OnlyThisBuildsSchemaVersion) {
  Folder f;
  f.write("runs.jsonl", std::string(kRow0) + "\n");
  for (const char* v : {"999", "0", "\"abc\"", "null", "1.5"}) {
    f.write("meta.json",
            std::string("{\n  \"grid_name\": \"g\",\n  \"schema_version\": ") + v + "\n}\n");
    EXPECT_NE(error_of(f.dir).find("meta.json:3:3: schema_version " + std::string(v) +
                                   " is not one this build reads (it reads 1)"),
              std::string::npos)
        << v << ": " << error_of(f.dir);
  }
  f.write("meta.json", R"({"grid_name":"g"})");
  EXPECT_NE(error_of(f.dir).find("meta.json: no schema_version"), std::string::npos)
      << error_of(f.dir);
}

// Item 2 of issue 18: links inside a results folder are refused, never followed.
TEST(ResultsRead, LinksInsideTheFolderAreRefused) {
  Folder f, elsewhere;
  elsewhere.write("secret.csv", "run_id,status\nx-r0,ok\n");
  f.write("runs.jsonl", std::string(kRow0) + "\n");
  ASSERT_EQ(symlink((elsewhere.dir + "/secret.csv").c_str(), (f.dir + "/runs.csv").c_str()), 0);
  EXPECT_NE(error_of(f.dir).find(f.dir + "/runs.csv: is a symbolic link"), std::string::npos)
      << error_of(f.dir);
  fs::remove(f.dir + "/runs.csv");
  ASSERT_EQ(symlink(elsewhere.dir.c_str(), (f.dir + "/traces").c_str()), 0);
  EXPECT_NE(error_of(f.dir).find(f.dir + "/traces: is a symbolic link"), std::string::npos)
      << error_of(f.dir);
  fs::remove(f.dir + "/traces");
  fs::create_directory(f.dir + "/traces");
  ASSERT_EQ(
      symlink((elsewhere.dir + "/secret.csv").c_str(), (f.dir + "/traces/00112233-r0.csv").c_str()),
      0);
  EXPECT_NE(error_of(f.dir).find(f.dir + "/traces/00112233-r0.csv: is a symbolic link"),
            std::string::npos)
      << error_of(f.dir);
  fs::remove(f.dir + "/traces/00112233-r0.csv");
  fs::remove(f.dir + "/meta.json");
  ASSERT_EQ(symlink((elsewhere.dir + "/secret.csv").c_str(), (f.dir + "/meta.json").c_str()), 0);
  EXPECT_NE(error_of(f.dir).find(f.dir + "/meta.json: is a symbolic link"), std::string::npos)
      << error_of(f.dir);
}

TEST(ResultsRead, RunsJsonlMustBeAFile) {
  Folder f;
  fs::create_directory(f.dir + "/runs.jsonl");
  EXPECT_NE(error_of(f.dir).find(f.dir + "/runs.jsonl: is a folder, not a file"), std::string::npos)
      << error_of(f.dir);
}

}  // namespace
}  // namespace greenbench
