#!/usr/bin/env bash
# greenbench against PyTorch (bench/peer_pytorch.py) on the same models (mlp, cnn, vit), batch
# 128, SGD with momentum, one thread, in two views (docs/workloads.md#greenbench-bench):
#   default  each tool as a user gets it: nothing set (OPENBLAS_CORETYPE unset even if the
#            caller's environment sets it), so greenbench runs the kernels it chooses and
#            PyTorch the ones OpenBLAS picks on its own;
#   same     the same OpenBLAS kernels on both sides: OPENBLAS_CORETYPE=$CORE for both (default:
#            the best core greenbench finds for this CPU).
# Debian's python3-torch calls the system OpenBLAS for Linear/matmul (the `blas` column says
# which kernels each side ran) and oneDNN for convolutions, in both views (oneDNN picks its own
# ISA; PEER_MKLDNN=0 sends them through im2col + OpenBLAS instead).
# Runs alternate greenbench / PyTorch, REPEATS times per model and view; each run is the median
# of STEPS steps; the table shows the median over runs and the ratio greenbench / PyTorch
# (< 1: greenbench is faster) against the targets of issue 12, and greenbench's fraction of its
# sgemm roof. Not a test: it needs torch and a built greenbench (GREENBENCH_BIN).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${GREENBENCH_BIN:-build/greenbench}
PY=${PYTHON:-/usr/bin/python3}
STEPS=${STEPS:-30}
REPEATS=${REPEATS:-3}
THREADS=${THREADS:-1}
VIEWS=${VIEWS:-"default same"}
MODELS=${MODELS:-"mlp cnn vit"}
COMMON="--set batch_size=128 --set threads=$THREADS --set optimizer=momentum --set learning_rate=0.01"
[ -x "$BIN" ] || { echo "compare.sh: $BIN not built (cmake --build build --target greenbench)" >&2; exit 2; }
"$PY" -c 'import torch' 2>/dev/null || { echo "compare.sh: $PY cannot import torch (apt-get install python3-torch)" >&2; exit 2; }
# The best core greenbench can ask OpenBLAS for on this CPU (started from Prescott, so the answer
# is a name OPENBLAS_CORETYPE accepts: SkylakeX, not Cooperlake, on AVX-512 CPUs).
CORE=${CORE:-$(OPENBLAS_CORETYPE=Prescott GREENBENCH_BLAS_CORE=best "$BIN" meter probe --json |
               "$PY" -c 'import json, sys; print(json.load(sys.stdin)["blas"]["core"])')}
[ -n "${OPENBLAS_CORETYPE:-}" ] &&
  echo "compare.sh: note: the caller sets OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE; the default view unsets it" >&2
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

model_sets() {
  case $1 in
    mlp) echo "--set hidden=[512,512]" ;;
    cnn) echo "--set arch=custom --set conv=[32,64] --set fc=[128]" ;;
    vit) echo "--set patch=7 --set dim=64 --set depth=2 --set heads=4 --set mlp_ratio=2" ;;
  esac
}

for view in $VIEWS; do
  case $view in
    default) ENV=(env -u OPENBLAS_CORETYPE -u GREENBENCH_BLAS_CORE) ;;
    same) ENV=(env -u GREENBENCH_BLAS_CORE "OPENBLAS_CORETYPE=$CORE") ;;
    *) echo "compare.sh: VIEWS: unknown view '$view' (default, same)" >&2; exit 2 ;;
  esac
  for i in $(seq "$REPEATS"); do
    for m in $MODELS; do
      # shellcheck disable=SC2046
      "${ENV[@]}" "$BIN" bench --workload "$m" $COMMON $(model_sets "$m") --steps "$STEPS" --json \
        >> "$OUT/$view.$m.gb" 2>> "$OUT/$view.stderr"
      # shellcheck disable=SC2046
      "${ENV[@]}" "$PY" bench/peer_pytorch.py --workload "$m" $COMMON $(model_sets "$m") \
        --steps "$STEPS" --json >> "$OUT/$view.$m.pt"
    done
  done
done

"$PY" - "$OUT" "$THREADS" "$CORE" "$VIEWS" "$MODELS" <<'PYEOF'
import json, statistics, sys
out, threads, core, views, models = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4].split(), sys.argv[5].split()
targets = {("mlp", "train"): 1.0, ("mlp", "infer"): 1.0, ("cnn", "train"): 0.5, ("cnn", "infer"): 1.0,
           ("vit", "train"): 0.5, ("vit", "infer"): 1.0}
summary = {"threads": int(threads), "same_core": core}
for view in views:
    title = ("default environment (nothing set)" if view == "default"
             else f"same kernels (OPENBLAS_CORETYPE={core} for both)")
    print(f"== {title}, {threads} thread(s), medians of alternating runs")
    try:
        said = sorted(set(l.strip() for l in open(f"{out}/{view}.stderr") if l.strip()))
    except OSError:
        said = []
    for line in said:
        print(f"   greenbench said: {line}")
    print(f"{'model':<5} {'phase':<6} {'gb ms':>9} {'pt ms':>9} {'ratio':>6} {'target':>7} "
          f"{'gb roof':>8} {'gb blas':>11} {'pt blas':>11} {'runs':>5}")
    for m in models:
        gb = [json.loads(l) for l in open(f"{out}/{view}.{m}.gb") if l.strip()]
        pt = [json.loads(l) for l in open(f"{out}/{view}.{m}.pt") if l.strip()]
        assert gb[0]["params"] == pt[0]["params"] and gb[0]["macs_per_sample"] == pt[0]["macs_per_sample"]
        for phase in ("train", "infer"):
            g = statistics.median(r[f"{phase}_step_ms"] for r in gb)
            p = statistics.median(r[f"{phase}_step_ms"] for r in pt)
            roof = statistics.median(r[f"{phase}_roof_fraction"] for r in gb)
            ratio, t = g / p, targets[(m, phase)]
            print(f"{m:<5} {phase:<6} {g:9.3f} {p:9.3f} {ratio:6.2f} {'<=' + str(t):>7} {roof:8.2f} "
                  f"{gb[0]['blas_core']:>11} {str(pt[0].get('blas_core')):>11} {len(gb):5d}"
                  f"{'' if ratio <= t else '  MISSED'}")
            summary[f"{view}_{m}_{phase}_ratio"] = round(ratio, 3)
            summary[f"{view}_{m}_{phase}_gb_ms"] = round(g, 3)
            summary[f"{view}_{m}_{phase}_pt_ms"] = round(p, 3)
        if m == "mlp":
            roof_gflops = statistics.median(r["roof_gflops"] for r in gb)
            print(f"      (greenbench roof {roof_gflops:.1f} GFLOP/s; mlp train target >= 0.80 of it)")
            summary[f"{view}_roof_gflops"] = round(roof_gflops, 1)
print(json.dumps(summary))
PYEOF
