"""greenbench.read_results / read_epochs / read_meta (README.md, "Python"; results/README.md):
a grid folder written by the real `greenbench run` (GREENBENCH_BIN) is loaded into pandas and
checked against Python's own json and csv modules and against pandas.read_csv; the reader's
rules (torn last line, malformed line) and a hand-made runs.csv-only folder.
Exit 77 (a CTest skip) when pandas is not installed. Run by CTest with PYTHONPATH=build/python."""

import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
import warnings
from pathlib import Path

try:
    import pandas as pd
except ImportError:
    print("SKIPPED: python3-pandas is not installed (scripts/setup installs it)")
    sys.exit(77)

import greenbench

GRID = """\
name: pytest
meter: estimate
repeats: 1
idle_baseline_s: 0
pause_s: 0
defaults: {dataset: synthetic, threads: 1, train_samples: 256, test_samples: 64, epochs: 2, batch_size: 32}
experiments:
  - workload: mlp
    phases: [train, infer]
    grid:
      hidden: [[16], [32, 16]]
"""
HIDDEN = [[16], [32, 16]]
INTEGER_COLUMNS = ["repeat", "params", "macs_per_sample", "train_samples", "test_samples",
                   "epochs", "batch_size", "threads", "seed"]
FLOAT_COLUMNS = ["train_s", "infer_s", "energy_train_j", "energy_infer_j", "energy_j",
                 "energy_dynamic_j", "idle_power_w", "avg_power_w", "energy_per_token_j",
                 "test_accuracy", "learning_rate", "energy_model_j", "co2_g"]


def mlp_params(hidden, inputs=28 * 28, classes=10):
    sizes = [inputs] + hidden + [classes]
    return sum(a * b + b for a, b in zip(sizes, sizes[1:]))


class GridFolderTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="greenbench-pytest.")
        root = Path(cls.tmp.name)
        (root / "grid.yaml").write_text(GRID)
        cls.folder = root / "out"
        subprocess.run([os.environ["GREENBENCH_BIN"], "run", str(root / "grid.yaml"), "--out",
                        str(cls.folder)], check=True, capture_output=True)
        cls.jsonl = [json.loads(line) for line in (cls.folder / "runs.jsonl").read_text().splitlines()]
        with open(cls.folder / "runs.csv", newline="") as f:
            cls.csv_rows = list(csv.DictReader(f))

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def copy(self):
        dest = Path(self.tmp.name) / f"copy-{self._testMethodName}"
        shutil.copytree(self.folder, dest)
        return dest

    def test_runs_load_with_numeric_columns_numeric_and_lists_as_lists(self):
        runs = greenbench.read_results(self.folder)
        self.assertEqual(len(runs), 2)
        self.assertEqual(list(runs.columns), list(self.csv_rows[0].keys()))  # runs.csv's order
        self.assertEqual(list(runs["run_id"]), [r["run_id"] for r in self.jsonl])
        for col in INTEGER_COLUMNS:
            self.assertEqual(runs[col].dtype, "int64", col)
        for col in FLOAT_COLUMNS:
            self.assertEqual(runs[col].dtype, "float64", col)
        self.assertEqual(runs["estimated"].dtype, "bool")
        self.assertTrue(runs["estimated"].all())
        self.assertEqual(list(runs["hidden"]), HIDDEN)
        self.assertEqual(list(runs["input_shape"]), [[1, 28, 28]] * 2)
        self.assertEqual(list(runs["params"]), [mlp_params(h) for h in HIDDEN])
        self.assertTrue(runs["idle_power_w"].isna().all())  # no idle baseline: null
        self.assertEqual(list(runs["status"]), ["ok", "ok"])
        # Every value as Python's json module reads runs.jsonl.
        for i, row in enumerate(self.jsonl):
            for key, value in row.items():
                got = runs.at[i, key]
                if value is None:
                    self.assertTrue(pd.isna(got), key)
                elif isinstance(value, float):
                    self.assertAlmostEqual(got, value, places=12, msg=key)
                else:
                    self.assertEqual(got, value, key)

    def test_runs_agree_with_pandas_read_csv(self):
        runs = greenbench.read_results(self.folder)
        plain = pd.read_csv(self.folder / "runs.csv")
        for col in INTEGER_COLUMNS + FLOAT_COLUMNS:
            pd.testing.assert_series_equal(runs[col].astype("float64"), plain[col].astype("float64"),
                                           check_names=False, rtol=1e-12)
        # pandas alone leaves the list cells as text; they are JSON.
        self.assertEqual([json.loads(c) for c in plain["hidden"]], list(runs["hidden"]))

    def test_epochs_load_typed_and_add_up_to_the_runs(self):
        epochs = greenbench.read_epochs(self.folder)
        self.assertEqual(len(epochs), 2 * 2 * 2)  # 2 runs x 2 epochs x (train, infer)
        self.assertEqual(list(epochs.columns), ["run_id", "epoch", "phase", "seconds", "energy_j",
                                                "samples", "loss", "accuracy", "tokens",
                                                "energy_model_j"])
        for col in ["epoch", "samples", "tokens"]:
            self.assertEqual(epochs[col].dtype, "int64", col)
        for col in ["seconds", "energy_j", "loss", "accuracy", "energy_model_j"]:
            self.assertEqual(epochs[col].dtype, "float64", col)
        self.assertEqual(sorted(set(epochs["phase"])), ["infer", "train"])
        self.assertEqual(list(epochs[epochs["phase"] == "train"]["samples"]), [256] * 4)
        plain = pd.read_csv(self.folder / "epochs.csv")
        pd.testing.assert_series_equal(epochs["energy_j"], plain["energy_j"], rtol=1e-12)
        runs = greenbench.read_results(self.folder).set_index("run_id")
        for run_id, joules in epochs.groupby("run_id")["energy_j"].sum().items():
            self.assertAlmostEqual(joules, runs.at[run_id, "energy_j"], delta=1e-9)

    def test_meta(self):
        meta = greenbench.read_meta(self.folder)
        self.assertEqual(meta["schema_version"], 1)
        self.assertEqual(meta["grid_name"], "pytest")
        self.assertEqual(meta, json.loads((self.folder / "meta.json").read_text()))

    def test_torn_last_line_is_dropped_with_a_warning(self):
        folder = self.copy()
        with open(folder / "runs.jsonl", "a") as f:
            f.write('{"run_id": "torn-r0", "sta')
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            runs = greenbench.read_results(folder)
        self.assertEqual(len(runs), 2)
        self.assertTrue(any("runs.jsonl:3" in str(w.message) for w in caught),
                        [str(w.message) for w in caught])

    def test_malformed_line_is_an_error_naming_file_line_column(self):
        folder = self.copy()
        with open(folder / "runs.jsonl", "a") as f:
            f.write("{not json\n")
        with self.assertRaisesRegex(greenbench.ResultsError, r"runs\.jsonl:3:\d+"):
            greenbench.read_results(folder)
        self.assertTrue(issubclass(greenbench.ResultsError, ValueError))

    def test_missing_folder_is_an_error(self):
        with self.assertRaises(greenbench.ResultsError):
            greenbench.read_results(Path(self.tmp.name) / "nope")


class HandMadeFolderTest(unittest.TestCase):
    """A runs.csv without runs.jsonl (results/README.md: a hand-made folder): cells become JSON
    values as the writer wrote them; an integer column with an empty cell becomes float NaN."""

    def test_csv_only_folder(self):
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            (folder / "meta.json").write_text('{"schema_version": 1}\n')
            (folder / "runs.csv").write_text(
                "run_id,status,workload,hidden,params,energy_j,estimated,error\n"
                'a-r0,ok,mlp,"[64,32]",1000,2.5,false,\n'
                "b-r0,failed,mlp,[8],,,true,out of memory\n")
            runs = greenbench.read_results(folder)
        self.assertEqual(list(runs["run_id"]), ["a-r0", "b-r0"])
        self.assertEqual(list(runs["hidden"]), [[64, 32], [8]])
        self.assertEqual(runs["params"].dtype, "float64")
        self.assertEqual(runs.at[0, "params"], 1000)
        self.assertTrue(pd.isna(runs.at[1, "params"]))
        self.assertEqual(runs["estimated"].dtype, "bool")
        self.assertEqual(list(runs["estimated"]), [False, True])
        self.assertEqual(list(runs["error"]), ["", "out of memory"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
