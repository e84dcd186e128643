// Fuzz target: the `--set KEY=VALUE` parser (harness/set_args.cpp; VALUE is YAML). Input: up to
// 8 arguments, one per line. Properties: bad arguments are InputError only; an accepted set
// has every KEY, and its JSON dumps (config ids are hashes of that dump).
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_util.hpp"
#include "greenbench/errors.hpp"
#include "set_args.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<std::string> args;
  std::string cur;
  for (size_t i = 0; i < size && args.size() < 8; ++i) {
    if (data[i] == '\n') {
      args.push_back(cur);
      cur.clear();
    } else {
      cur += char(data[i]);
    }
  }
  if (args.size() < 8) args.push_back(cur);
  try {
    const nlohmann::json config = greenbench::sets_parse(args);
    for (const auto& a : args) {
      const std::string key = a.substr(0, a.find('='));
      FUZZ_CHECK(config.contains(key), "key '%s' missing", key.c_str());
    }
    (void)config.dump();  // throws on bad UTF-8: that must have been an InputError already
  } catch (const greenbench::InputError&) {
  }
  return 0;
}
