// The results reader: RFC 4180 cells (quotes, doubled quotes, commas in JSON lists), typed
// runs.csv cells, runs.csv and runs.jsonl giving the same rows, estimated sources flagged,
// and malformed input reported with file:line:column.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "analysis/results_read.hpp"
#include "greenbench/errors.hpp"
#include "run_cli.hpp"

namespace greenbench::analysis {
namespace {

namespace fs = std::filesystem;

struct Folder {
  std::string dir = testing::temp_dir_make("gb_read");
  ~Folder() { fs::remove_all(dir); }
  void write(const std::string& name, const std::string& text) {
    std::ofstream(dir + "/" + name) << text;
  }
};

TEST(AnalysisRead, CsvCellsFollowRfc4180) {
  std::vector<int> starts;
  const auto c = csv_cells(R"(a,"[256,128]","say ""hi""",,x)", "f.csv", 1, &starts);
  EXPECT_EQ(c, (std::vector<std::string>{"a", "[256,128]", R"(say "hi")", "", "x"}));
  EXPECT_EQ(starts, (std::vector<int>{1, 3, 15, 28, 29}));
  try {
    csv_cells(R"(a,"open)", "f.csv", 7);
    FAIL() << "an unterminated quote must throw";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("f.csv:7:3"), std::string::npos) << e.what();
  }
}

TEST(AnalysisRead, CsvValuesAreTyped) {
  EXPECT_TRUE(csv_value("params", "").is_null());
  EXPECT_EQ(csv_value("params", "1234"), nlohmann::json(1234));
  EXPECT_EQ(csv_value("energy_j", "1.5e3"), nlohmann::json(1500.0));
  EXPECT_EQ(csv_value("estimated", "true"), nlohmann::json(true));
  EXPECT_EQ(csv_value("hidden", "[256,128]"), nlohmann::json::parse("[256,128]"));
  EXPECT_EQ(csv_value("config_id", "0123456789012345"),
            nlohmann::json("0123456789012345"));  // ids stay text
  EXPECT_EQ(csv_value("activation", "relu"), nlohmann::json("relu"));
}

TEST(AnalysisRead, CsvAndJsonlGiveTheSameRows) {
  Folder a, b;
  const std::string header =
      "run_id,config_id,repeat,workload,status,error,hidden,batch_size,params,energy_j,"
      "test_accuracy,meter_source,estimated\n";
  a.write("runs.csv",
          header + "00112233-r0,00112233,0,mlp,ok,,\"[32,16]\",64,1000,12.5,0.8,estimate,true\n" +
              "44556677-r0,44556677,0,mlp,failed,\"boom, twice\",[8],32,90,,,estimate,true\n");
  b.write(
      "runs.jsonl",
      R"({"run_id":"00112233-r0","config_id":"00112233","repeat":0,"workload":"mlp","status":"ok","error":"","hidden":[32,16],"batch_size":64,"params":1000,"energy_j":12.5,"test_accuracy":0.8,"meter_source":"estimate","estimated":true})"
      "\n"
      R"({"run_id":"44556677-r0","config_id":"44556677","repeat":0,"workload":"mlp","status":"failed","error":"boom, twice","hidden":[8],"batch_size":32,"params":90,"energy_j":null,"test_accuracy":null,"meter_source":"estimate","estimated":true})"
      "\n");
  const auto ra = results_read(a.dir), rb = results_read(b.dir);
  ASSERT_EQ(ra.runs.size(), 2u);
  EXPECT_EQ(ra.runs, rb.runs);
  EXPECT_TRUE(ra.estimated);
  EXPECT_EQ(ra.meter_sources, std::vector<std::string>{"estimate"});
  EXPECT_EQ(field_text(ra.runs[1], "error"), "boom, twice");
  EXPECT_TRUE(std::isnan(field_number(ra.runs[1], "energy_j")));
  EXPECT_TRUE(ra.epochs.empty());
  EXPECT_TRUE(ra.meta.is_null());
}

TEST(AnalysisRead, EpochRowsAreParsed) {
  Folder f;
  f.write("runs.jsonl", R"({"run_id":"x-r0","status":"ok"})"
                        "\n");
  f.write("epochs.csv",
          "run_id,epoch,phase,seconds,energy_j,samples,loss,accuracy,tokens\n"
          "x-r0,1,train,2.5,30.25,1000,0.7,0.75,0\nx-r0,1,infer,0.5,3,100,0.6,,0\n");
  const auto r = results_read(f.dir);
  ASSERT_EQ(r.epochs.size(), 2u);
  EXPECT_EQ(r.epochs[0].phase, "train");
  EXPECT_DOUBLE_EQ(r.epochs[0].energy_j, 30.25);
  EXPECT_EQ(r.epochs[0].samples, 1000);
  EXPECT_TRUE(std::isnan(r.epochs[1].accuracy));
  EXPECT_FALSE(r.estimated);
}

std::string error_of(const std::string& dir) {
  try {
    results_read(dir);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(AnalysisRead, MalformedInputNamesFileLineAndColumn) {
  Folder missing;
  EXPECT_NE(error_of(missing.dir).find("neither runs.jsonl nor runs.csv"), std::string::npos);
  EXPECT_NE(error_of(missing.dir + "/nope").find("no such results folder"), std::string::npos);

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
  EXPECT_NE(error_of(short_row.dir).find("runs.csv:2:1: expected 3 cells"), std::string::npos)
      << error_of(short_row.dir);

  Folder empty;
  empty.write("runs.csv", "run_id,status\n");
  EXPECT_NE(error_of(empty.dir).find("no runs yet"), std::string::npos);
}

}  // namespace
}  // namespace greenbench::analysis
