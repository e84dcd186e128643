"""What the study drivers (estimate_data.py, profile_validate.py) share: how a configuration's
keys become `--set` arguments, and a configuration's MACs per sample from `greenbench bench`."""
import json
import subprocess


def sets_args(keys):
    """{"hidden": [256], "batch_size": 32} -> ["--set", "hidden=[256]", "--set", "batch_size=32"]."""
    out = []
    for k, v in keys.items():
        out += ["--set", f"{k}={json.dumps(v)}"]
    return out


def macs_of(binary, workload, keys):
    """MACs per sample of `workload` with `keys` (one bench step at batch 1, synthetic data)."""
    r = subprocess.run([binary, "bench", "--workload", workload, "--json", "--steps", "1"]
                       + sets_args({**keys, "batch_size": 1, "infer_batch_size": 1,
                                    "dataset": "synthetic"}),
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(r.stderr.strip())
    return json.loads(r.stdout)["macs_per_sample"]
