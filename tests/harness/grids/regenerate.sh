#!/bin/sh
# Rewrites each bad_*.expected from what build/greenbench prints for bad_*.yaml. Run it after a
# deliberate change of a message (or of the workload list, which some messages name), then
# review the diff: these files are the golden error texts of tests/harness/grid_errors_test.cpp.
set -eu
cd "$(dirname "$0")"
bin=../../../build/greenbench
for f in bad_*.yaml; do
  "$bin" run "$f" --dry-run 2>&1 >/dev/null | sed 's/^greenbench: error: //' > "${f%.yaml}.expected" || true
done
