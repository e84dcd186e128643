#!/usr/bin/env bash
# greenbench against PyTorch (bench/peer_pytorch.py) on the same models (mlp, cnn, vit), batch 128, SGD with
# momentum, one thread: prints step times, the ratios greenbench / PyTorch (< 1: greenbench is
# faster) and GFLOP/s as a fraction of an OpenBLAS sgemm rate measured in the same run.
# Not a test: it needs Debian's python3-torch and a built greenbench (GREENBENCH_BIN).
# OPENBLAS_CORETYPE (e.g. SkylakeX where the environment pins Haswell on an AVX-512 CPU)
# applies to both sides; the sgemm line says which kernels ran. PyTorch's convolutions run on
# oneDNN (JIT, uses AVX-512 whatever OPENBLAS_CORETYPE says) unless PEER_MKLDNN=0, which sends
# them through PyTorch's im2col + the same OpenBLAS.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${GREENBENCH_BIN:-build/greenbench}
PY=${PYTHON:-/usr/bin/python3}
STEPS=${STEPS:-30}
REPEATS=${REPEATS:-5}     # alternating runs per side; the best median of each side is kept
                          # (PyTorch's train step is bimodal here, 45-120 ms: its best counts)
THREADS=${THREADS:-1}
COMMON="--set batch_size=128 --set threads=$THREADS --set optimizer=momentum --set learning_rate=0.01"
[ -x "$BIN" ] || { echo "compare.sh: $BIN not built (cmake --build build --target greenbench)" >&2; exit 2; }
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

run_pair() {  # name workload sets...
  local name=$1 workload=$2; shift 2
  for i in $(seq "$REPEATS"); do
    "$BIN" bench --workload "$workload" $COMMON "$@" --steps "$STEPS" --json >> "$OUT/$name.gb"
    "$PY" bench/peer_pytorch.py --workload "$workload" $COMMON "$@" --steps "$STEPS" --json >> "$OUT/$name.pt"
  done
}
run_pair mlp mlp --set 'hidden=[512,512]'
run_pair cnn cnn --set arch=custom --set 'conv=[32,64]' --set 'fc=[128]'
run_pair vit vit --set patch=7 --set dim=64 --set depth=2 --set heads=4 --set mlp_ratio=2

# The sgemm rate of the OpenBLAS greenbench links (1024^3, same thread count), via ctypes.
BLAS=$(ldd "$BIN" | awk '/blas/ {print $3; exit}')
"$PY" - "$BLAS" "$THREADS" "$OUT" <<'PYEOF'
import ctypes, json, sys, time
blas_path, threads, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
blas = ctypes.CDLL(blas_path)
blas.openblas_set_num_threads(threads)
n = 1024
A = (ctypes.c_float * (n * n))(*([0.5] * (n * n)))
Bm = (ctypes.c_float * (n * n))(*([0.25] * (n * n)))
C = (ctypes.c_float * (n * n))()
f = ctypes.c_float
def sgemm():  # cblas_sgemm(RowMajor=101, NoTrans=111, NoTrans=111, ...)
    blas.cblas_sgemm(101, 111, 111, n, n, n, f(1.0), A, n, Bm, n, f(0.0), C, n)
sgemm()
best = min((lambda t0: (sgemm(), time.perf_counter() - t0)[1])(time.perf_counter()) for _ in range(7))
sgemm_gflops = 2 * n ** 3 / best / 1e9

def best_of(path):
    runs = [json.loads(l) for l in open(path) if l.strip()]
    return {k: min(r[k] for r in runs) for k in ("train_step_ms", "infer_step_ms")} | \
           {k: max(r[k] for r in runs) for k in ("train_gflops", "infer_gflops")} | \
           {"params": runs[0]["params"], "macs_per_sample": runs[0]["macs_per_sample"]}

import os
print(f"OpenBLAS sgemm {n}^3, {threads} thread(s): {sgemm_gflops:.1f} GFLOP/s ({blas_path}, "
      f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(auto)')}, "
      f"PyTorch oneDNN {'off' if os.environ.get('PEER_MKLDNN', '1') == '0' else 'on'})")
print(f"{'model':<6} {'phase':<6} {'greenbench ms':>14} {'pytorch ms':>11} {'ratio':>6} "
      f"{'gb GFLOP/s':>11} {'of sgemm':>9} {'pt GFLOP/s':>11} {'target':>7}")
targets = {("mlp", "train"): 1.0, ("mlp", "infer"): 1.0, ("cnn", "train"): 0.5, ("cnn", "infer"): 1.0,
           ("vit", "train"): 0.5, ("vit", "infer"): 1.0}
summary = {"sgemm_gflops": sgemm_gflops, "threads": threads}
for name in ("mlp", "cnn", "vit"):
    gb, pt = best_of(f"{out}/{name}.gb"), best_of(f"{out}/{name}.pt")
    assert gb["params"] == pt["params"] and gb["macs_per_sample"] == pt["macs_per_sample"], (gb, pt)
    for phase in ("train", "infer"):
        g, p = gb[f"{phase}_step_ms"], pt[f"{phase}_step_ms"]
        ratio, t = g / p, targets[(name, phase)]
        gf = gb[f"{phase}_gflops"]
        print(f"{name:<6} {phase:<6} {g:14.3f} {p:11.3f} {ratio:6.2f} {gf:11.1f} "
              f"{gf / sgemm_gflops:9.2f} {pt[f'{phase}_gflops']:11.1f} {'<=' + str(t):>7}"
              f"{'' if ratio <= t else '  MISSED'}")
        summary[f"{name}_{phase}_ratio"] = ratio
print(json.dumps(summary))
PYEOF
