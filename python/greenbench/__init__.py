"""greenbench from Python: meter your own code, and read results folders into pandas.

    import greenbench
    meter = greenbench.Meter()                 # source="auto": RAPL/perf/MSR + NVML, else estimate
    meter.begin_window("train")
    train()
    m = meter.end_window("train")              # m.time (s), m.energy (domain -> J),
    print(m.time, m.total_energy, m.estimated) # m.total_energy (J), m.estimated, m.source

    with meter.window("infer") as w:           # w's figures are there when the block ends
        infer()
    print(w.total_energy)

    runs = greenbench.read_results("results/quick")   # pandas DataFrame of the runs

README.md ("Python") and docs/meter.md say what the figures mean.
"""

from ._meter import ResultsError, SourceUnavailable
from ._results import read_epochs, read_meta, read_results
from ._window import Measurement, Meter, Window, probe

__all__ = [
    "Meter",
    "Measurement",
    "Window",
    "probe",
    "read_results",
    "read_epochs",
    "read_meta",
    "SourceUnavailable",
    "ResultsError",
]
