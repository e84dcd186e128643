#!/usr/bin/env bash
# The installed package (README.md, "Using greenbench from your own code"), end to end:
#   1. `cmake --install BUILD --prefix P` into a temporary prefix;
#   2. a project outside the tree (tests/package/consumer) with
#      find_package(greenbench REQUIRED COMPONENTS meter) and greenbench::meter, configured with
#      BLAS, Eigen, yaml-cpp and zlib made unfindable (the meter must not need them), builds and
#      meters its own loop with the estimate source and with auto;
#   3. the same with greenbench::workloads (BLAS and zlib found this time);
#   4. pkg-config --cflags --libs greenbench-meter builds the same program;
#   5. the installed Python package imports from P and meters a window;
#   6. (add_subdirectory) the consumer builds greenbench's meter from the source tree with
#      GREENBENCH_METER_ONLY and the same packages unfindable.
# Usage: package_test.sh SOURCE_DIR BUILD_DIR CXX GENERATOR PYTHON [LAUNCHER]
set -euo pipefail
src=$1 build=$2 cxx=$3 generator=$4 python=$5 launcher=${6:-}
work=$(mktemp -d /tmp/greenbench-package.XXXXXX)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix
consumer=$src/tests/package/consumer
fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "== $*"; }
no_heavy=(-DCMAKE_DISABLE_FIND_PACKAGE_BLAS=ON -DCMAKE_DISABLE_FIND_PACKAGE_Eigen3=ON
          -DCMAKE_DISABLE_FIND_PACKAGE_yaml-cpp=ON -DCMAKE_DISABLE_FIND_PACKAGE_ZLIB=ON)
common=(-G "$generator" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER="$cxx")
[ -n "$launcher" ] && common+=(-DCMAKE_CXX_COMPILER_LAUNCHER="$launcher" -DCMAKE_C_COMPILER_LAUNCHER="$launcher")

# Checks one line of the consumer's JSON: it metered a loop with SOURCE (estimated iff the
# source is the estimate), both windows have time and energy, the outer (RAII) window contains
# the loop, and the loop's time is within the wall time around it.
check_metered() {  # JSON_LINE EXPECTED_SOURCE ("" = any)
  "$python" - "$1" "$2" <<'PY'
import json, sys
r = json.loads(sys.argv[1]); want = sys.argv[2]
errors = []
if want and r["source"] != want: errors.append(f"source {r['source']!r}, expected {want!r}")
if r["estimated"] != (r["source"] == "estimate"): errors.append("estimated disagrees with the source")
if not (r["loop_s"] > 0.01 and r["loop_j"] > 0): errors.append("the loop window has no time or no energy")
if not (r["outer_s"] >= r["loop_s"] and r["outer_j"] >= r["loop_j"]): errors.append("outer window smaller than the loop inside it")
if r["outer_name"] != "outer": errors.append("the RAII window did not fill its result")
if not (r["loop_s"] <= r["wall_s"] + 0.01): errors.append("the loop took longer than the wall clock around it")
if r["domains"] < 2: errors.append("fewer than two energy entries (domains + total)")
if errors: sys.exit("; ".join(errors) + ": " + sys.argv[1])
print("metered:", r["source"], f"{r['loop_j']:.3f} J over {r['loop_s']:.3f} s")
PY
}

step "install into $prefix"
cmake --install "$build" --prefix "$prefix" > "$work/install.log" || { cat "$work/install.log"; fail "cmake --install"; }
for f in bin/greenbench include/greenbench/meter.hpp include/greenbench/workload.hpp; do
  [ -e "$prefix/$f" ] || fail "not installed: $f"
done
libdir=$(dirname "$(find "$prefix" -name libgreenbench_meter.a | head -1)")
[ -f "$libdir/libgreenbench_workloads.a" ] || fail "libgreenbench_workloads.a not beside libgreenbench_meter.a"
cmakedir=$libdir/cmake/greenbench
[ -f "$cmakedir/greenbenchConfig.cmake" ] || fail "no greenbenchConfig.cmake in $cmakedir"
if grep -Eil 'blas|eigen|yaml|zlib|re2' "$cmakedir/greenbench-meter-targets"*.cmake; then
  fail "the installed meter targets name a dependency the meter does not have"
fi
"$prefix/bin/greenbench" --version > /dev/null || fail "the installed binary does not run"

step "find_package(greenbench COMPONENTS meter), BLAS/Eigen/yaml-cpp/zlib unfindable"
cmake -S "$consumer" -B "$work/meter" "${common[@]}" -DCMAKE_PREFIX_PATH="$prefix" "${no_heavy[@]}" \
  > "$work/meter.log" 2>&1 || { cat "$work/meter.log"; fail "configure against the installed meter"; }
cmake --build "$work/meter" > "$work/meter-build.log" 2>&1 || { cat "$work/meter-build.log"; fail "build"; }
check_metered "$("$work/meter/app" estimate)" estimate
check_metered "$("$work/meter/app" auto)" ""

step "find_package(greenbench COMPONENTS meter workloads)"
cmake -S "$consumer" -B "$work/workloads" "${common[@]}" -DCMAKE_PREFIX_PATH="$prefix" -DCONSUMER_WORKLOADS=ON \
  > "$work/workloads.log" 2>&1 || { cat "$work/workloads.log"; fail "configure with the workloads"; }
cmake --build "$work/workloads" > "$work/workloads-build.log" 2>&1 || { cat "$work/workloads-build.log"; fail "build"; }
"$python" - "$("$work/workloads/app_workloads")" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
assert "mlp" in r["workloads"] and "cnn" in r["workloads"], r
# 64 inputs -> 32 hidden -> 10 classes, weights and biases
assert r["mlp_params"] == 64 * 32 + 32 + 32 * 10 + 10, r
print("workloads:", r)
PY

step "pkg-config greenbench-meter"
flags=$(PKG_CONFIG_PATH="$libdir/pkgconfig" pkg-config --cflags --libs greenbench-meter) || fail "pkg-config greenbench-meter"
"$cxx" -std=c++20 -O1 "$consumer/main.cpp" -o "$work/app_pc" $flags || fail "build with pkg-config's flags: $flags"
check_metered "$("$work/app_pc" estimate)" estimate
PKG_CONFIG_PATH="$libdir/pkgconfig" pkg-config --exists greenbench-workloads || fail "pkg-config greenbench-workloads"

if [ -n "$python" ] && [ -d "$build/python/greenbench" ]; then
  step "the installed Python package"
  pydir=$(dirname "$(find "$prefix" -path '*-packages/greenbench/__init__.py' | head -1)")
  [ "$pydir" != . ] || fail "no greenbench/__init__.py under a *-packages folder of $prefix"
  (cd "$work" && PYTHONPATH=$(dirname "$pydir") "$python" -c '
import greenbench, sys
assert greenbench.__file__.startswith(sys.argv[1]), greenbench.__file__
m = greenbench.Meter("estimate")
with m.window("w") as w:
    sum(i * i for i in range(300000))
assert w.time > 0 and w.total_energy > 0 and w.estimated and w.source == "estimate", w.measurement
print("python from", greenbench.__file__, w.total_energy, "J")
' "$prefix") || fail "the installed Python package"
else
  echo "== skipped the installed Python package: the build has no Python module (pybind11 not found)"
fi

step "add_subdirectory(greenbench) with GREENBENCH_METER_ONLY, BLAS/Eigen/yaml-cpp/zlib unfindable"
cmake -S "$consumer" -B "$work/subdir" "${common[@]}" -DGREENBENCH_SOURCE="$src" -DGREENBENCH_METER_ONLY=ON \
  -DGREENBENCH_PYTHON=OFF "${no_heavy[@]}" > "$work/subdir.log" 2>&1 || { cat "$work/subdir.log"; fail "configure"; }
cmake --build "$work/subdir" --target app > "$work/subdir-build.log" 2>&1 || { cat "$work/subdir-build.log"; fail "build"; }
check_metered "$("$work/subdir/app" estimate)" estimate
echo "package test: all good"
