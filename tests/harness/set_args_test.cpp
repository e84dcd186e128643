// Tests of `--set KEY=VALUE` parsing (harness/grid/set_args.cpp): YAML values to JSON by
// hand-worked examples, and bad arguments as InputError — including text that is not UTF-8, which
// JSON cannot hold (found by tests/fuzz/set_args_fuzz.cpp). Not key validation.
#include "set_args.hpp"

#include <gtest/gtest.h>

#include "greenbench/errors.hpp"

namespace greenbench {
namespace {

TEST(SetArgs, ValuesAreYaml) {
  const auto c =
      sets_parse({"hidden=[256,128]", "lr=1e-3", "epochs=2", "name='007'", "kv=true", "s=~"});
  EXPECT_EQ(c["hidden"], nlohmann::json::parse("[256,128]"));
  EXPECT_DOUBLE_EQ(c["lr"].get<double>(), 1e-3);
  EXPECT_EQ(c["epochs"], 2);
  EXPECT_EQ(c["name"], "007");  // quoted: stays a string
  EXPECT_EQ(c["kv"], true);
  EXPECT_TRUE(c["s"].is_null());
}

TEST(SetArgs, BadArgumentsAreInputErrors) {
  EXPECT_THROW(sets_parse({"noequals"}), InputError);
  EXPECT_THROW(sets_parse({"=3"}), InputError);
  EXPECT_THROW(sets_parse({"x=[1,"}), InputError);
}

TEST(SetArgs, TextThatIsNotUtf8IsAnInputErrorNamingTheByte) {
  for (const std::string& bad : {std::string("ca\xf2") + "bon=1", std::string("x=caf\xc3"),
                                 std::string("x=\xed\xa0\x80"), std::string("x=\xc0\xaf")}) {
    try {
      const auto c = sets_parse({bad});
      ADD_FAILURE() << "accepted "
                    << c.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find("is not valid UTF-8"), std::string::npos) << e.what();
    }
  }
  try {
    sets_parse({std::string("ca\xf2") + "bon=1"});
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("(byte 2)"), std::string::npos) << e.what();  // 0-based
  }
  EXPECT_EQ(sets_parse({"name=café ☕ 𝄞"})["name"], "café ☕ 𝄞");  // valid multi-byte text is fine
  // NUL bytes first: yaml-cpp decodes the value as UTF-32 into text that is not UTF-8.
  EXPECT_THROW(sets_parse({std::string("x=\0\0\0n=[256,128]", 15)}), InputError);
}

// `levels` lists of ten aliases, each naming the list before: 10^(levels+1) values from a short
// argument (the reproduction in issue 18 uses 8 levels).
std::string alias_bomb(int levels) {
  std::string s = "hidden=[&a0 [1,1,1,1,1,1,1,1,1,1]";
  for (int k = 1; k <= levels; ++k) {
    s += ",&a" + std::to_string(k) + " [";
    for (int i = 0; i < 10; ++i) s += (i ? ",*a" : "*a") + std::to_string(k - 1);
    s += "]";
  }
  return s + "]";
}

TEST(SetArgs, AliasExpansionIsBoundedLikeAGridFileWithAShortMessage) {
  // 4 levels: 111,110 values, just over the grid file's limit of 100,000 (docs/grids.md).
  for (int levels : {4, 8}) {
    try {
      const auto c = sets_parse({alias_bomb(levels)});
      FAIL() << levels << " levels accepted: " << c.dump().size() << " bytes";
    } catch (const InputError& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find("more than 100000 values"), std::string::npos) << what.substr(0, 300);
      EXPECT_NE(what.find("--set hidden"), std::string::npos) << what.substr(0, 300);
      EXPECT_LT(what.size(), 400u) << what.substr(0, 300);  // the argument is not echoed whole
    }
  }
  // The bound is on all --set values together, as on a whole grid file.
  std::string half = "a=[";
  for (int i = 0; i < 60000; ++i) half += i ? ",1" : "1";
  half += "]";
  EXPECT_NO_THROW(sets_parse({half}));
  EXPECT_THROW(sets_parse({half, "b" + half.substr(1)}), InputError);
  // Deep nesting is bounded too (32 levels, as in grid files).
  EXPECT_THROW(sets_parse({"x=" + std::string(40, '[') + std::string(40, ']')}), InputError);
  EXPECT_NO_THROW(sets_parse({"x=" + std::string(20, '[') + std::string(20, ']')}));
}

TEST(SetArgs, MessagesQuoteLongArgumentsShortened) {
  const std::string long_bad = "x=[" + std::string(100000, '1');  // invalid YAML, 100 kB
  try {
    sets_parse({long_bad});
    ADD_FAILURE() << "accepted";
  } catch (const InputError& e) {
    EXPECT_LT(std::string(e.what()).size(), 400u);
    EXPECT_NE(std::string(e.what()).find("--set x=[111"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace greenbench
