// `greenbench merge DIR... -o DIR`: joins the result folders of one grid (shards, resumed or
// repeated runs) into a new folder, built in a temporary folder beside -o and renamed into
// place at the end, so a failure leaves nothing half-made. The rules are results_merge.cpp's;
// the inputs are read with the one reader (results/README.md).
#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <set>
#include <vector>

#include "cli_command.hpp"
#include "file_io.hpp"
#include "folder_lock.hpp"
#include "greenbench/errors.hpp"
#include "greenbench/results.hpp"
#include "host_info.hpp"
#include "results_merge.hpp"
#include "results_read.hpp"
#include "verbosity.hpp"

namespace greenbench {
namespace {

namespace fs = std::filesystem;

struct MergeArgs {
  std::vector<std::string> inputs;
  std::string out;
};

// -o must be new, or an existing empty folder (a link to one names its target): merge never
// overwrites, not even an input. Returns the folder to create or replace.
std::string out_check(const std::string& out, const std::vector<std::string>& inputs) {
  std::error_code ec;
  std::string target = out;
  if (path_is_link(out)) {
    target = fs::canonical(out, ec).string();
    if (ec || !fs::is_directory(target, ec) || !fs::is_empty(target, ec))
      throw InputError("-o is a link, and not to an empty folder", out, 0, 0,
                       "merge never overwrites; give a new -o folder, or a link to an empty one");
  }
  const fs::path out_abs = fs::weakly_canonical(target, ec);
  for (const auto& in : inputs)
    if (!ec && fs::weakly_canonical(in, ec) == out_abs)
      throw InputError(fmt::format("-o {} is one of the input folders", out), out, 0, 0,
                       "merge never writes into its inputs; give a new -o folder (and replace the "
                       "input yourself afterwards if you want)");
  if (!fs::exists(target, ec)) return target;
  if (fs::is_directory(target, ec))
    if (const auto holder = folder_lock_holder(target))
      throw InputError(fmt::format("-o is in use by another writer: {}", *holder), out, 0, 0,
                       "wait for it to finish, or give a new -o folder");
  if (!fs::is_directory(target, ec) || !fs::is_empty(target, ec))
    throw InputError("-o already exists and is not an empty folder", out, 0, 0,
                     "merge never overwrites; give a new -o folder");
  return target;
}

void inputs_check(const std::vector<std::string>& inputs) {
  std::set<fs::path> seen;
  for (const auto& in : inputs) {
    std::error_code ec;
    const fs::path canon = fs::weakly_canonical(in, ec);
    if (!seen.insert(ec ? fs::path(in) : canon).second)
      throw InputError("the folder is given twice", in, 0, 0, "give each folder once");
  }
}

// Command runs' logs (results/README.md: logs/<run_id>.stdout, .stderr, .windows.jsonl), from
// the folder whose row was kept; links are not followed, absent files are not an error.
void logs_copy(const MergeOutput& m, const std::vector<ResultsFolder>& inputs,
               const std::string& tmp) {
  for (const auto& r : m.runs)
    for (const char* ext : {".stdout", ".stderr", ".windows.jsonl"}) {
      const std::string src = inputs[r.source].dir + "/logs/" + r.run_id + ext;
      std::error_code ec;
      if (!fs::is_regular_file(fs::symlink_status(src, ec))) continue;
      fs::create_directories(tmp + "/logs");
      file_copy_synced(src, tmp + "/logs/" + r.run_id + ext);
    }
  std::error_code ec;
  if (fs::is_directory(tmp + "/logs", ec)) path_fsync(tmp + "/logs");
}

// Writes everything under `tmp`, then renames it to `out`.
void merge_write(const MergeOutput& m, const std::vector<ResultsFolder>& inputs,
                 const std::string& tmp, const std::string& out) {
  fs::create_directories(tmp + "/traces");
  const FolderLock lock(tmp, "greenbench merge");  // renamed with the folder, held to the end
  file_write_atomic(tmp + "/runs.jsonl", m.runs_jsonl);
  file_write_atomic(tmp + "/runs.csv", m.runs_csv);
  file_write_atomic(tmp + "/epochs.csv", m.epochs_csv);
  size_t missing = 0;
  for (const auto& r : m.runs) {
    const std::string src = inputs[r.source].dir + "/traces/" + r.run_id + ".csv";
    const std::string dst = tmp + "/traces/" + r.run_id + ".csv";
    std::error_code ec;
    if (!fs::is_regular_file(src, ec)) {
      ++missing;
      continue;
    }
    file_copy_synced(src, dst);
  }
  if (missing && !output_quiet())
    std::fprintf(stderr,
                 "greenbench merge: note: %zu of %zu runs have no trace file in their folder\n",
                 missing, m.runs.size());
  logs_copy(m, inputs, tmp);
  nlohmann::json meta = m.meta;
  meta["merged_by"] = {{"greenbench_version", GREENBENCH_VERSION},
                       {"git_commit", GREENBENCH_GIT_COMMIT}};
  meta["merged"] = {{"inputs", inputs.size()},
                    {"rows_read", m.rows_read},
                    {"runs", m.runs.size()},
                    {"duplicates_identical", m.duplicates_identical},
                    {"duplicates_resolved", m.duplicates_resolved},
                    {"conflicts", m.conflicts}};
  file_write_atomic(tmp + "/meta.json",
                    meta.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
  path_fsync(tmp + "/traces");
  path_fsync(tmp);
  if (rename(tmp.c_str(), out.c_str()) != 0) {
    const int err = errno;
    if (err == ENOTEMPTY || err == EEXIST)  // filled by another process while merging
      throw InputError("-o was filled by another process while merging; nothing was written", out,
                       0, 0, "give a new -o folder");
    throw std::runtime_error(
        fmt::format("cannot rename {} to {}: {}", tmp, out, std::strerror(err)));
  }
  path_fsync(fs::absolute(out).parent_path().string());
}

int merge_main(const MergeArgs& args) {
  inputs_check(args.inputs);
  const std::string target = out_check(args.out, args.inputs);
  std::vector<ResultsFolder> inputs;
  for (const auto& dir : args.inputs) inputs.push_back(results_folder_read(dir));
  const MergeOutput m = results_merge(inputs, time_now_iso());
  for (const auto& note : m.notes)
    if (!output_quiet()) std::fprintf(stderr, "greenbench merge: note: %s\n", note.c_str());

  const fs::path out_abs = fs::absolute(target).lexically_normal();
  const fs::path parent =
      out_abs.has_filename() ? out_abs.parent_path() : out_abs.parent_path().parent_path();
  std::error_code ec;
  fs::create_directories(parent, ec);
  if (ec || !fs::is_directory(parent))
    throw InputError(fmt::format("cannot create the folder that will hold -o: {}", ec.message()),
                     parent.string(), 0, 0, "choose a writable -o folder");
  const std::string name = out_abs.has_filename() ? out_abs.filename().string()
                                                  : out_abs.parent_path().filename().string();
  const std::string tmp = (parent / fmt::format(".{}.merge-{}", name, getpid())).string();
  const std::string out = (parent / name).string();
  fs::remove_all(tmp, ec);
  try {
    merge_write(m, inputs, tmp, out);
  } catch (...) {
    fs::remove_all(tmp, ec);
    throw;
  }
  std::printf(
      "merged %zu folders into %s: %zu runs from %zu rows (%zu identical duplicates, %zu resolved "
      "by "
      "status, %zu conflicts)\n",
      inputs.size(), args.out.c_str(), m.runs.size(), m.rows_read, m.duplicates_identical,
      m.duplicates_resolved, m.conflicts);
  return 0;
}

}  // namespace

void cmd_merge_add(CLI::App& app, CommandAction& action) {
  auto [cmd, args] = command_add<MergeArgs>(
      app, action, "merge", "Join the result folders of one grid (shards) into a new folder",
      merge_main);
  results_dirs_add(*cmd, args->inputs, "dirs", "result folders of one grid");
  out_option_add(*cmd, args->out, "DIR", "the merged folder: new, or an empty folder")->required();
}

}  // namespace greenbench
