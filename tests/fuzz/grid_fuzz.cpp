// libFuzzer target: arbitrary bytes as a grid file, parsed and expanded. Each input must either
// expand or throw greenbench::InputError; anything else (a crash, another exception, a hang on
// aliases or deep nesting, an unbounded allocation) is a bug. Seeds: tests/fuzz/corpus/grid/.
#include <cstddef>
#include <cstdint>
#include <string>

#include "greenbench/errors.hpp"
#include "grid_expand.hpp"
#include "grid_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    greenbench::GridFile g = greenbench::grid_file_parse(text, "fuzz.yaml");
    greenbench::GridExpandOptions o;
    o.check_memory = false;  // the fuzzing machine's free memory is not part of the input
    o.max_runs = 2000;  // the 100000 cap is tested elsewhere; keeps each input well under a second
    o.overrides = {{"train_samples", 10}, {"test_samples", 10}};
    (void)greenbench::grid_expand(g, o);
  } catch (const greenbench::InputError&) {
  }
  return 0;
}
