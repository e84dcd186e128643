"""Results folders into pandas: read_results, read_epochs, read_meta.

The folder is read by greenbench's one results reader (the compiled extension binds it), so
Python applies exactly the rules of results/README.md ("Reading") that merge, analyze and
report apply: a torn last line is dropped with a warning naming file:line, anything the writer
cannot have left raises ResultsError with file:line:column. Cells come back as the writer wrote
them: numbers as numbers, list cells (`hidden`) as lists, a missing value as NaN / None.
"""

import warnings
from numbers import Integral, Real

from . import _meter


def _read(folder) -> dict:
    data = _meter.folder_read(str(folder))
    for note in data["notes"]:
        warnings.warn(note, RuntimeWarning, stacklevel=3)
    return data


def _runs_columns(data: dict) -> list:
    """runs.csv's own column order; then fixed columns, workload keys and later versions' keys
    that only runs.jsonl has."""
    seen, out = set(), []

    def add(name):
        if name not in seen:
            seen.add(name)
            out.append(name)

    for name in data["runs_header"]:
        add(name)
    keys = set()
    for row in data["runs"]:
        keys.update(row)
    after = data["columns_after_keys"]
    for name in data["columns_before_keys"]:
        add(name)
    for name in sorted(keys - set(after)):
        add(name)
    for name in after:
        add(name)
    return out


def _column_dtype(values) -> str:
    """The dtype a column's JSON values call for: bool, int64, float64 (ints with a missing
    value too, NaN standing for it), else object (text, lists, objects, mixtures)."""
    present = [v for v in values if v is not None]
    if not present:
        return "float64"
    if all(isinstance(v, bool) for v in present):
        return "bool" if len(present) == len(values) else "object"
    if any(isinstance(v, bool) for v in present):
        return "object"
    if all(isinstance(v, Integral) for v in present):
        return "int64" if len(present) == len(values) else "float64"
    if all(isinstance(v, Real) for v in present):
        return "float64"
    return "object"


def read_results(folder):
    """runs.csv / runs.jsonl of a results folder as a pandas DataFrame, one row a run."""
    import pandas as pd

    data = _read(folder)
    columns = _runs_columns(data)
    table = {}
    for name in columns:
        values = [row.get(name) for row in data["runs"]]
        dtype = _column_dtype(values)
        if dtype == "float64":
            values = [float("nan") if v is None else v for v in values]
        table[name] = pd.Series(values, dtype=dtype)
    return pd.DataFrame(table, columns=columns)


def read_epochs(folder):
    """epochs.csv of a results folder as a pandas DataFrame, one row a run, epoch and phase;
    `loss`, `accuracy` and `energy_model_j` are NaN where they do not apply."""
    import pandas as pd

    data = _read(folder)
    frame = pd.DataFrame.from_records(data["epochs"], columns=data["epochs_columns"])
    return frame.astype(
        {
            "run_id": "object",
            "epoch": "int64",
            "phase": "object",
            "seconds": "float64",
            "energy_j": "float64",
            "samples": "int64",
            "loss": "float64",
            "accuracy": "float64",
            "tokens": "int64",
            "energy_model_j": "float64",
        }
    )


def read_meta(folder) -> dict:
    """meta.json of a results folder: host, versions, meter, grid, carbon, times."""
    return _read(folder)["meta"]
