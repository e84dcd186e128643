// Fuzz target: the `--set KEY=VALUE` parser (harness/grid/set_args.cpp; VALUE is YAML). Input: up
// to 8 arguments, one per line. Properties: bad arguments are InputError only, with a message of at
// most a few hundred bytes whatever the argument (issue 18: MBs of error text); an accepted set has
// every KEY, its JSON dumps (config ids are hashes of that dump), and it holds at most
// kYamlMaxValues values nested at most kYamlMaxDepth deep, however many aliases the YAML used.
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_util.hpp"
#include "greenbench/errors.hpp"
#include "set_args.hpp"

namespace {

// Values in `j` (every node, as yaml_to_json_bounded counts them) and its depth.
void json_count(const nlohmann::json& j, int depth, size_t& values, int& max_depth) {
  ++values;
  max_depth = std::max(max_depth, depth);
  if (j.is_structured())
    for (const auto& e : j) json_count(e, depth + 1, values, max_depth);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::vector<std::string> args = fuzz::lines_split(data, size, 8);
  try {
    const nlohmann::json config = greenbench::sets_parse(args);
    for (const auto& a : args) {
      const std::string key = a.substr(0, a.find('='));
      FUZZ_CHECK(config.contains(key), "key '%s' missing", key.c_str());
    }
    (void)config.dump();  // throws on bad UTF-8: that must have been an InputError already
    size_t values = 0;
    int depth = 0;
    for (const auto& [k, v] : config.items()) json_count(v, 0, values, depth);
    FUZZ_CHECK(values <= greenbench::kYamlMaxValues, "%zu values accepted", values);
    FUZZ_CHECK(depth <= greenbench::kYamlMaxDepth, "depth %d accepted", depth);
  } catch (const greenbench::InputError& e) {
    FUZZ_CHECK(std::string(e.what()).size() < 600, "a message of %zu bytes",
               std::string(e.what()).size());
  }
  return 0;
}
