"""The meter and its windows from Python: Meter, Measurement, Window, probe.

Method names follow Zeus's ZeusMonitor (begin_window / end_window, a measurement with `time`
and `total_energy`), so code written for one switches to the other. All window code is here.
"""

from dataclasses import dataclass, field
from typing import Dict, List, Optional

from . import _meter


@dataclass
class Measurement:
    """What one window cost. Units: seconds and joules (docs/meter.md)."""

    name: str
    time: float  # seconds the window lasted
    energy: Dict[str, float]  # joules per domain: "package-0", "dram-0", "gpu-0", "psys", ...
    total_energy: float  # joules: packages + DRAM + GPUs (docs/meter.md, "Totals")
    estimated: bool  # True when a figure came from the `estimate` power model, not a counter
    source: str  # "rapl", "rapl+nvml", "estimate", ...
    start: float = 0.0  # seconds since the meter started
    gap: float = 0.0  # seconds of the window no good read covered (longest domain)
    resets: int = 0  # counters that reset inside the window
    model_energy: float = float("nan")  # joules the estimate model gives for the same window
    warnings: List[str] = field(default_factory=list)  # stuck counters, implausible power

    @property
    def avg_power(self) -> float:
        """Average total power over the window, watts."""
        return self.total_energy / self.time if self.time > 0 else 0.0


def _measurement(w: dict) -> Measurement:
    return Measurement(
        name=w["name"],
        time=w["duration_s"],
        energy=dict(w["energy_j"]),
        total_energy=w["total_j"],
        estimated=w["estimated"],
        source=w["source"],
        start=w["start_s"],
        gap=w["gap_s"],
        resets=w["resets"],
        model_energy=w["model_j"],
        warnings=list(w["warnings"]),
    )


class Window:
    """`with meter.window(name) as w:` begins the window on entry and ends it on exit (an
    exception too); w then has the Measurement's fields (w.time, w.total_energy, ...)."""

    def __init__(self, meter: "Meter", name: str):
        self.name = name
        self.measurement: Optional[Measurement] = None
        self._meter = meter

    def __enter__(self) -> "Window":
        self._meter.begin_window(self.name)
        return self

    def __exit__(self, *exc) -> bool:
        self.measurement = self._meter.end_window(self.name)
        return False  # an exception in the block propagates

    def __getattr__(self, attr):
        measurement = self.__dict__.get("measurement")
        if measurement is None:
            raise AttributeError(
                f"window {self.name!r} has no {attr!r} yet: its figures are there once the "
                "`with` block ends"
            )
        return getattr(measurement, attr)


class Meter:
    """A started energy meter. `source` is "auto" (the best readable CPU counter, plus NVML
    where NVIDIA GPUs are visible, else the labelled `estimate` power model), or one of "rapl",
    "perf", "msr", "nvml", "estimate". A source that cannot be read raises SourceUnavailable
    naming the file and the fix. `interval` is the sampler's period, seconds."""

    def __init__(self, source: str = "auto", interval: float = 0.1):
        self._m = _meter.Meter(source, float(interval))

    @property
    def source(self) -> str:
        return self._m.source

    @property
    def estimated(self) -> bool:
        return self._m.estimated

    @property
    def domains(self) -> List[str]:
        return self._m.domains

    @property
    def notes(self) -> List[str]:
        """What `auto` fell back to, skipped or dropped (worth printing)."""
        return self._m.notes

    def describe(self) -> dict:
        return self._m.describe()

    def begin_window(self, name: str) -> None:
        """Opens window `name` now; windows may nest and overlap, names must differ."""
        self._m.begin(name)

    def end_window(self, name: str) -> Measurement:
        """Closes window `name` and returns what it cost."""
        return _measurement(self._m.end(name))

    def window(self, name: str) -> Window:
        return Window(self, name)

    def close(self) -> None:
        """Stops the sampler thread; the meter cannot be used afterwards."""
        self._m.close()

    def __enter__(self) -> "Meter":
        return self

    def __exit__(self, *exc) -> bool:
        self.close()
        return False


def probe() -> List[dict]:
    """Every source, as `greenbench meter probe` sees it: name, available, domains, and when
    unavailable the reason, the file and the fix."""
    return _meter.probe()
