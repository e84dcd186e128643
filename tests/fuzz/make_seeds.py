#!/usr/bin/env python3
"""Writes the seed inputs of tests/fuzz/corpus/<target>/seed-* (the rest of each corpus is
crashers the fuzzers found, added by hand as regression-*). Run from anywhere:
    python3 tests/fuzz/make_seeds.py
Seeds are small, valid inputs in each target's format (see the header of <target>_fuzz.cpp)."""
import gzip
import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
SPLIT = b"\n--gb-split--\n"


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def idx_images(n, h, w):
    return struct.pack(">IIII", 0x803, n, h, w) + bytes((i * 37) % 256 for i in range(n * h * w))


def idx_labels(n):
    return struct.pack(">II", 0x801, n) + bytes(i % 10 for i in range(n))


def fashion():
    parts = [idx_images(3, 2, 2), idx_labels(3), idx_images(2, 2, 2), idx_labels(2)]
    write("fashion_mnist", "seed-plain", bytes([0x00, 0]) + SPLIT.join(parts))
    write("fashion_mnist", "seed-gzip-subset", bytes([0x2F, 1]) + SPLIT.join(parts))
    raw = [gzip.compress(p, mtime=0) for p in parts]  # gzip bytes as the reader sees them
    write("fashion_mnist", "seed-raw-gzip", bytes([0x00, 0]) + SPLIT.join(raw))
    write("fashion_mnist", "seed-28x28", bytes([0x0F, 0]) + SPLIT.join(
        [idx_images(2, 28, 28), idx_labels(2), idx_images(1, 28, 28), idx_labels(1)]))


def cifar_record(label, k):
    return bytes([label]) + bytes((i * k) % 256 for i in range(3072))


def cifar():
    parts = [cifar_record(i, i + 1) for i in range(5)] + [cifar_record(9, 7) + cifar_record(3, 5)]
    write("cifar10", "seed-plain", bytes([0x00, 0]) + SPLIT.join(parts))
    write("cifar10", "seed-gzip-subset", bytes([0x3F, 3]) + SPLIT.join(parts))


def text():
    parts = [b"It was the best of times,\n", b"it was the worst of times.\n", b"\x00\xff bytes", b""]
    write("text_corpus", "seed-folder", bytes([0x00, 20]) + SPLIT.join(parts))
    write("text_corpus", "seed-file", bytes([0x01, 100]) + SPLIT.join(parts))
    write("text_corpus", "seed-link-subdir", bytes([0x06, 0]) + SPLIT.join(parts))


def set_args():
    write("set_args", "seed-keys", b"hidden=[256,128]\nepochs=2\noptimizer=adam\nlearning_rate=1e-3\n"
          b"kv_cache=true\ncorpus='/usr/share/common-licenses'\nseed=~\ncarbon={region: GB}")
    write("set_args", "seed-bad", b"noequals\n=3\nx=[1,\ny=\"unterminated")


def results_csv():
    write("results_csv", "seed-header", b"run_id,config_id,repeat,workload,status,error,hidden,params")
    write("results_csv", "seed-row", b'ab12-r0,ab12,0,mlp,ok,,"[256,128]",1000,0.5,,true')
    write("results_csv", "seed-quotes", b'x-r1,"say ""hi"", then go",,"",1e-3')


def results_folder():
    meta = json.dumps({"schema_version": 1, "grid_name": "quick", "grid": "name: quick\n",
                       "start_time": "2026-11-23T10:00:00Z", "end_time": "2026-11-23T10:05:00Z",
                       "idle_power_w": 3.5, "host": "a"}, indent=2).encode() + b"\n"
    rows = [
        {"run_id": "00aa-r0", "config_id": "00aa", "repeat": 0, "workload": "mlp", "status": "ok", "error": "",
         "hidden": [32], "batch_size": 64, "params": 100, "energy_j": 1.25, "test_accuracy": None,
         "meter_source": "estimate", "estimated": True},
        {"run_id": "00bb-r0", "config_id": "00bb", "repeat": 0, "workload": "mlp", "status": "interrupted",
         "error": "", "hidden": [64, 32], "batch_size": 32, "params": 200, "energy_j": 0.5,
         "meter_source": "estimate", "estimated": True},
    ]
    jsonl = b"".join(json.dumps(r, separators=(",", ":"), sort_keys=True).encode() + b"\n" for r in rows)
    csv = (b"run_id,config_id,repeat,workload,status,error,batch_size,hidden,params,energy_j,test_accuracy,"
           b"meter_source,estimated\n"
           b'00aa-r0,00aa,0,mlp,ok,,64,"[32]",100,1.25,,estimate,true\n'
           b'00bb-r0,00bb,0,mlp,interrupted,,32,"[64,32]",200,0.5,,estimate,true\n'
           b'00cc-r1,00cc,1,mlp,failed,"bad, really",16,"[8]",50,,,estimate,true\n')
    epochs = (b"run_id,epoch,phase,seconds,energy_j,samples,loss,accuracy,tokens\n"
              b"00aa-r0,1,train,0.5,1,100,2.3,0.1,0\n00aa-r0,1,infer,0.1,0.25,50,2.2,0.2,0\n"
              b"00bb-r0,1,train,0.5,0.5,100,2.3,0.1,0\n0")
    write("results_folder", "seed-folder", bytes([0]) + SPLIT.join([meta, jsonl, csv, epochs]))
    write("results_folder", "seed-torn-jsonl", bytes([0]) + SPLIT.join([meta, jsonl + b'{"run_id":"00dd', csv, epochs]))
    write("results_folder", "seed-no-jsonl", bytes([2]) + SPLIT.join([meta, jsonl, csv, epochs]))


for f in (fashion, cifar, text, set_args, results_csv, results_folder):
    f()
