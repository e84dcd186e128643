// Tests of `--set KEY=VALUE` parsing (harness/set_args.cpp): YAML values to JSON by hand-worked
// examples, and bad arguments as InputError — including text that is not UTF-8, which JSON
// cannot hold (found by tests/fuzz/set_args_fuzz.cpp). Not key validation.
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

}  // namespace
}  // namespace greenbench
