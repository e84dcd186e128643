// The `lm` byte corpus: a file, or a directory's regular files (symlinks followed, each target
// once, subdirectories skipped) concatenated in byte-wise name order; the last test_fraction
// of the bytes is the test split. Not a tokenizer: the vocabulary is the 256 byte values.
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>

#include "data/input_error.hpp"
#include "greenbench/dataset.hpp"

namespace greenbench {

namespace {

namespace fs = std::filesystem;
using detail::throw_input_error;

const char* const kFix = "set corpus to a readable text file or a directory of text files";

struct Listing {
  std::vector<std::string> files;
  int64_t bytes = 0;
};

Listing corpus_files(const std::string& path) {
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);  // follows symlinks
  Listing list;
  if (fs::is_regular_file(status)) {
    list.files.push_back(path);
  } else if (fs::is_directory(status)) {
    std::vector<std::pair<std::string, fs::path>> entries;  // (name, path)
    fs::directory_iterator it(path, ec);
    if (ec) throw_input_error("cannot list the directory: " + ec.message(), path, kFix);
    for (const fs::directory_entry& entry : it) {
      std::error_code entry_ec;
      if (entry.is_regular_file(entry_ec)) {  // follows symlinks; broken links are skipped
        entries.emplace_back(entry.path().filename().string(), entry.path());
      }
    }
    std::sort(entries.begin(), entries.end());
    std::set<fs::path> seen;  // canonical targets: a link to a file already read is skipped
    for (const auto& [name, file] : entries) {
      std::error_code canon_ec;
      const fs::path target = fs::canonical(file, canon_ec);
      if (!canon_ec && !seen.insert(target).second) continue;
      list.files.push_back(file.string());
    }
  } else if (status.type() == fs::file_type::not_found) {
    throw_input_error("corpus not found", path, kFix);
  } else {
    throw_input_error("corpus is neither a regular file nor a directory", path, kFix);
  }
  for (const auto& file : list.files) {
    std::error_code size_ec;
    const auto size = fs::file_size(file, size_ec);
    if (size_ec) throw_input_error("cannot stat: " + size_ec.message(), file, kFix);
    list.bytes += static_cast<int64_t>(size);
  }
  return list;
}

void check_fraction(double test_fraction) {
  if (!(test_fraction >= 0 && test_fraction < 1)) {
    throw_input_error("test_fraction = " + std::to_string(test_fraction) + ", expected [0, 1)", "",
                      "use e.g. 0.1 to hold out the last 10% of the corpus");
  }
}

void require_bytes(int64_t bytes, const std::string& path) {
  if (bytes == 0) throw_input_error("empty corpus: no bytes to read", path, kFix);
}

std::ifstream open_or_throw(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    throw_input_error(std::string("cannot read: ") + std::strerror(errno), file,
                      "check the file's permissions, or " + std::string(kFix));
  }
  return in;
}

}  // namespace

int64_t text_corpus_check(const std::string& path_or_dir, double test_fraction) {
  check_fraction(test_fraction);
  const Listing list = corpus_files(path_or_dir);
  for (const auto& file : list.files) open_or_throw(file);
  require_bytes(list.bytes, path_or_dir);
  return list.bytes;
}

TextCorpus text_corpus_load(const std::string& path_or_dir, double test_fraction) {
  check_fraction(test_fraction);
  const Listing list = corpus_files(path_or_dir);
  TextCorpus corpus;
  corpus.source = path_or_dir;
  corpus.files = list.files;
  std::vector<uint8_t> all;
  all.reserve(static_cast<size_t>(list.bytes));
  for (const auto& file : list.files) {
    std::ifstream in = open_or_throw(file);
    all.insert(all.end(), std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (in.bad()) {
      throw_input_error(std::string("read error: ") + std::strerror(errno), file, kFix);
    }
  }
  require_bytes(static_cast<int64_t>(all.size()), path_or_dir);
  const auto total = static_cast<int64_t>(all.size());
  const auto test_bytes =
      static_cast<int64_t>(std::floor(static_cast<double>(total) * test_fraction));
  corpus.train.assign(all.begin(), all.end() - test_bytes);
  corpus.test.assign(all.end() - test_bytes, all.end());
  return corpus;
}

}  // namespace greenbench
