// text_corpus_load / text_corpus_check: a file or a directory concatenated in name order
// (links followed once, subdirectories skipped), the 90/10 split, and the errors.
// Not the lm model.
#include <gtest/gtest.h>

#include <string>

#include "data_test_util.hpp"
#include "greenbench/dataset.hpp"

namespace greenbench {
namespace {

using test::expect_input_error;

std::vector<uint8_t> bytes(const std::string& s) {
  return {s.begin(), s.end()};
}
std::string text(const std::vector<uint8_t>& b) {
  return {b.begin(), b.end()};
}

TEST(TextCorpus, ConcatenatesADirectoryInNameOrderAndHoldsOutTheLastTenth) {
  test::TempDir dir;
  std::filesystem::create_directories(dir.file("corpus/sub"));
  test::write_plain(dir.file("corpus/b"), bytes(std::string(30, 'b')));
  test::write_plain(dir.file("corpus/a"), bytes(std::string(20, 'a')));
  test::write_plain(dir.file("corpus/c10"), bytes(std::string(25, 'x')));
  test::write_plain(dir.file("corpus/c2"), bytes(std::string(15, 'y')));
  test::write_plain(dir.file("corpus/sub/skipped"), bytes("never read"));
  test::write_plain(dir.file("outside"), bytes(std::string(10, 'o')));
  std::filesystem::create_symlink(dir.file("outside"), dir.file("corpus/d-link"));  // followed
  std::filesystem::create_symlink("a", dir.file("corpus/e-same-as-a"));  // read once, as "a"
  std::filesystem::create_symlink("gone", dir.file("corpus/f-broken"));  // skipped

  const TextCorpus corpus = text_corpus_load(dir.file("corpus"));
  EXPECT_EQ(corpus.source, dir.file("corpus"));
  EXPECT_EQ(corpus.files, (std::vector<std::string>{dir.file("corpus/a"), dir.file("corpus/b"),
                                                    dir.file("corpus/c10"), dir.file("corpus/c2"),
                                                    dir.file("corpus/d-link")}));
  const std::string all = std::string(20, 'a') + std::string(30, 'b') + std::string(25, 'x') +
                          std::string(15, 'y') + std::string(10, 'o');  // 100 bytes
  EXPECT_EQ(text(corpus.train), all.substr(0, 90));
  EXPECT_EQ(text(corpus.test), all.substr(90));
  EXPECT_EQ(text_corpus_check(dir.file("corpus")), 100);
}

TEST(TextCorpus, ReadsOneFileWithAnyFraction) {
  test::TempDir dir;
  test::write_plain(dir.file("t.txt"), bytes("0123456789abcdefghij"));  // 20 bytes
  const TextCorpus quarter = text_corpus_load(dir.file("t.txt"), 0.25);
  EXPECT_EQ(quarter.files, std::vector<std::string>{dir.file("t.txt")});
  EXPECT_EQ(text(quarter.train), "0123456789abcde");
  EXPECT_EQ(text(quarter.test), "fghij");
  const TextCorpus none = text_corpus_load(dir.file("t.txt"), 0.0);
  EXPECT_EQ(none.train.size(), 20u);
  EXPECT_TRUE(none.test.empty());
  const TextCorpus tenth = text_corpus_load(dir.file("t.txt"), 0.1);
  EXPECT_EQ(text(tenth.test), "ij");
}

TEST(TextCorpus, EmptyMissingAndBadFractionAreErrors) {
  test::TempDir dir;
  expect_input_error([&] { text_corpus_load(dir.str()); }, {dir.str(), "empty corpus"});
  expect_input_error([&] { text_corpus_check(dir.str()); }, {dir.str(), "empty corpus"});
  test::write_plain(dir.file("empty"), {});
  expect_input_error([&] { text_corpus_load(dir.file("empty")); },
                     {dir.file("empty"), "empty corpus"});
  expect_input_error([&] { text_corpus_load(dir.file("missing")); },
                     {dir.file("missing"), "corpus not found", "set corpus"});
  test::write_plain(dir.file("t"), bytes("abc"));
  expect_input_error([&] { text_corpus_load(dir.file("t"), 1.0); },
                     {"test_fraction = 1", "[0, 1)"});
  expect_input_error([&] { text_corpus_check(dir.file("t"), -0.1); }, {"test_fraction"});
}

TEST(TextCorpus, DefaultCommonLicenses) {
  if (!std::filesystem::is_directory(text_corpus_default_path)) {
    GTEST_SKIP() << text_corpus_default_path << " is absent";
  }
  const TextCorpus corpus = text_corpus_load();
  ASSERT_FALSE(corpus.files.empty());
  EXPECT_TRUE(std::is_sorted(corpus.files.begin(), corpus.files.end()));
  const auto total = static_cast<int64_t>(corpus.train.size() + corpus.test.size());
  EXPECT_EQ(total, text_corpus_check());
  EXPECT_EQ(static_cast<int64_t>(corpus.test.size()), total / 10);
  EXPECT_GT(total, 10000);
}

}  // namespace
}  // namespace greenbench
