// `greenbench merge DIR... -o DIR`: joins the result folders of one grid (shards, resumed or
// repeated runs) into a new folder, built in a temporary folder beside -o and renamed into
// place at the end, so a failure leaves nothing half-made. The rules are results_merge.cpp's.
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

#include "commands.hpp"
#include "greenbench/errors.hpp"
#include "greenbench/results.hpp"
#include "host_info.hpp"
#include "results_merge.hpp"
#include "results_read.hpp"

namespace greenbench {
namespace {

namespace fs = std::filesystem;

struct MergeArgs {
  std::vector<std::string> inputs;
  std::string out;
};

void path_fsync(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    throw std::runtime_error(
        fmt::format("cannot open {} to sync it: {}", path, std::strerror(errno)));
  const int rc = fsync(fd);
  const int err = errno;
  close(fd);
  if (rc != 0 && err != EINVAL)
    throw std::runtime_error(fmt::format("fsync of {} failed: {}", path, std::strerror(err)));
}

// Copies src to dst (new) with plain reads and writes, then fsyncs dst. Throws on any error.
void file_copy_synced(const std::string& src, const std::string& dst) {
  const int in = open(src.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0)
    throw std::runtime_error(fmt::format("cannot read {}: {}", src, std::strerror(errno)));
  const int out = open(dst.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (out < 0) {
    const int err = errno;
    close(in);
    throw std::runtime_error(fmt::format("cannot create {}: {}", dst, std::strerror(err)));
  }
  std::vector<char> buf(1 << 20);
  std::string error;
  while (error.empty()) {
    const ssize_t n = read(in, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) error = fmt::format("cannot read {}: {}", src, std::strerror(errno));
    if (n <= 0) break;
    for (ssize_t done = 0; done < n && error.empty();) {
      const ssize_t w = write(out, buf.data() + done, static_cast<size_t>(n - done));
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0)
        error = fmt::format("cannot write {}: {}", dst, std::strerror(errno));
      else
        done += w;
    }
  }
  if (error.empty() && fsync(out) != 0 && errno != EINVAL)
    error = fmt::format("fsync of {} failed: {}", dst, std::strerror(errno));
  close(in);
  close(out);
  if (!error.empty()) throw std::runtime_error(error);
}

// -o must be new, or an existing empty folder: merge never overwrites, not even an input.
void out_check(const std::string& out, const std::vector<std::string>& inputs) {
  std::error_code ec;
  const fs::path out_abs = fs::weakly_canonical(out, ec);
  for (const auto& in : inputs)
    if (!ec && fs::weakly_canonical(in, ec) == out_abs)
      throw InputError(fmt::format("-o {} is one of the input folders", out), out, 0, 0,
                       "merge never writes into its inputs; give a new -o folder (and replace the "
                       "input yourself "
                       "afterwards if you want)");
  if (!fs::exists(out, ec)) return;
  if (!fs::is_directory(out, ec) || !fs::is_empty(out, ec))
    throw InputError("-o already exists and is not an empty folder", out, 0, 0,
                     "merge never overwrites; give a new -o folder");
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

// Writes everything under `tmp`, then renames it to `out`.
void merge_write(const MergeOutput& m, const std::vector<ResultsFolder>& inputs,
                 const std::string& tmp, const std::string& out) {
  fs::create_directories(tmp + "/traces");
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
  if (missing)
    std::fprintf(stderr,
                 "greenbench merge: note: %zu of %zu runs have no trace file in their folder\n",
                 missing, m.runs.size());
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
  if (rename(tmp.c_str(), out.c_str()) != 0)
    throw std::runtime_error(
        fmt::format("cannot rename {} to {}: {}", tmp, out, std::strerror(errno)));
  path_fsync(fs::absolute(out).parent_path().string());
}

int merge_main(const MergeArgs& args) {
  inputs_check(args.inputs);
  out_check(args.out, args.inputs);
  std::vector<ResultsFolder> inputs;
  for (const auto& dir : args.inputs) inputs.push_back(results_folder_read(dir));
  const MergeOutput m = results_merge(inputs, time_now_iso());
  for (const auto& note : m.notes)
    std::fprintf(stderr, "greenbench merge: note: %s\n", note.c_str());

  const fs::path out_abs = fs::absolute(args.out).lexically_normal();
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
  auto* cmd =
      app.add_subcommand("merge", "Join the result folders of one grid (shards) into a new folder");
  auto args = std::make_shared<MergeArgs>();
  cmd->add_option("dirs", args->inputs, "result folders of one grid")->required();
  cmd->add_option("-o,--out", args->out, "the merged folder: new, or an empty folder")->required();
  cmd->callback([args, &action] { action = [args] { return merge_main(*args); }; });
}

}  // namespace greenbench
