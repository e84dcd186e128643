"""The Python meter (README.md, "Python"): greenbench.Meter's begin_window / end_window and
`with meter.window(...)`, probe(), against the `estimate` source and against a fake RAPL tree
whose counter a thread advances at a known power, so the true joules are known.
Run by CTest (tests/python/CMakeLists.txt) with PYTHONPATH=build/python."""

import os
import sys
import tempfile
import threading
import time
import unittest
from pathlib import Path

import greenbench

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "support"))
from busy_loop import busy  # noqa: E402


class FakeRapl:
    """sys/class/powercap/intel-rapl:0 (package-0) whose energy_uj a thread advances at
    `power_w` with wall time, written in place as the kernel does; proc/cpuinfo says Intel."""

    def __init__(self, power_w):
        self.power_w = power_w
        self._tmp = tempfile.TemporaryDirectory(prefix="greenbench-fake-rapl.")
        root = Path(self._tmp.name)
        zone = root / "sys/class/powercap/intel-rapl:0"
        zone.mkdir(parents=True)
        (zone / "name").write_text("package-0\n")
        (zone / "max_energy_range_uj").write_text("262143328850\n")
        (zone / "enabled").write_text("1\n")
        (zone / "energy_uj").write_text("%020d\n" % 0)
        (root / "proc").mkdir()
        (root / "proc/cpuinfo").write_text("processor\t: 0\nvendor_id\t: GenuineIntel\n\n")
        self.sysfs, self.proc = str(root / "sys"), str(root / "proc")
        self._fd = os.open(zone / "energy_uj", os.O_WRONLY)
        self._stop = threading.Event()
        self._t0 = time.monotonic()
        self._thread = threading.Thread(target=self._advance, daemon=True)
        self._thread.start()

    def _advance(self):
        while not self._stop.is_set():
            uj = int((time.monotonic() - self._t0) * self.power_w * 1e6)
            os.pwrite(self._fd, b"%020d\n" % uj, 0)
            time.sleep(0.001)

    def close(self):
        self._stop.set()
        self._thread.join()
        os.close(self._fd)
        self._tmp.cleanup()


class EnvRoots:
    """Sets environment variables for a block: the meter's roots (docs/meter.md:
    GREENBENCH_SYSFS_ROOT, _PROC_ROOT), GREENBENCH_WINDOWS_FD."""

    def __init__(self, **env):
        self.env, self.saved = env, {}

    def __enter__(self):
        for k, v in self.env.items():
            self.saved[k] = os.environ.get(k)
            os.environ[k] = v

    def __exit__(self, *exc):
        for k, v in self.saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


class EstimateMeterTest(unittest.TestCase):
    def setUp(self):
        self.meter = greenbench.Meter("estimate")

    def tearDown(self):
        self.meter.close()

    def test_begin_end_window_measures_the_loop(self):
        m = self.meter
        self.assertEqual(m.source, "estimate")
        self.assertTrue(m.estimated)
        t0 = time.perf_counter()
        m.begin_window("loop")
        busy(0.3)
        r = m.end_window("loop")
        wall = time.perf_counter() - t0
        self.assertIsInstance(r, greenbench.Measurement)
        self.assertEqual(r.name, "loop")
        self.assertTrue(r.estimated)
        self.assertEqual(r.source, "estimate")
        # The window's time is the loop's, within the calls around it.
        self.assertGreaterEqual(r.time, 0.3 - 0.005)
        self.assertLessEqual(r.time, wall + 0.005)
        # Domains as the meter names them; the estimate's total is its CPU (a package) plus DRAM
        # (docs/meter.md, "Totals").
        self.assertEqual(sorted(r.energy), sorted(m.domains))
        self.assertGreater(r.total_energy, 0)
        self.assertAlmostEqual(r.total_energy, sum(r.energy.values()), places=9)
        self.assertAlmostEqual(r.avg_power, r.total_energy / r.time)
        self.assertAlmostEqual(r.model_energy, r.total_energy, places=9)

    def test_with_window_fills_the_window_when_the_block_ends(self):
        with self.meter.window("train") as w:
            with self.assertRaisesRegex(AttributeError, "once the `with` block ends"):
                w.total_energy
            busy(0.1)
        self.assertEqual(w.name, "train")
        self.assertGreaterEqual(w.time, 0.1 - 0.005)
        self.assertGreater(w.total_energy, 0)
        self.assertTrue(w.estimated)
        self.assertEqual(w.measurement.energy, w.energy)

    def test_windows_are_reported_on_the_protocol_fd(self):
        # As under `greenbench meter -- CMD` (docs/windows.md): begin/end lines on the fd named
        # by GREENBENCH_WINDOWS_FD, with the values given; the meter's own figures unchanged.
        import greenbench_windows

        read_fd, write_fd = os.pipe()
        try:
            with EnvRoots(GREENBENCH_WINDOWS_FD=str(write_fd)):
                greenbench_windows._fd, greenbench_windows._fd_read = None, False
                with self.meter.window("train", epoch=1) as w:
                    busy(0.02)
                    w.report(loss=0.5, samples=64)
                self.meter.begin_window("infer")
                r = self.meter.end_window("infer", accuracy=0.75)
        finally:
            greenbench_windows._fd, greenbench_windows._fd_read = None, False
            os.close(write_fd)
        with os.fdopen(read_fd) as f:
            lines = f.read().splitlines()
        self.assertEqual(
            lines,
            ["begin train", "end train epoch=1 loss=0.5 samples=64", "begin infer",
             "end infer accuracy=0.75"],
        )
        self.assertGreater(w.total_energy, 0)
        self.assertGreater(r.total_energy, 0)

    def test_without_the_fd_windows_write_nothing(self):
        import greenbench_windows

        with EnvRoots(GREENBENCH_WINDOWS_FD=""):
            greenbench_windows._fd, greenbench_windows._fd_read = None, False
            with self.meter.window("train", epoch=1):
                busy(0.01)
        self.assertIsNone(greenbench_windows._fd)

    def test_window_ends_when_the_block_raises(self):
        with self.assertRaises(KeyError):
            with self.meter.window("step") as w:
                raise KeyError("boom")
        self.assertIsNotNone(w.measurement)
        self.meter.begin_window("step")  # the name is free again
        self.meter.end_window("step")

    def test_windows_nest(self):
        m = self.meter
        m.begin_window("outer")
        with m.window("inner") as inner:
            busy(0.05)
        busy(0.05)
        outer = m.end_window("outer")
        self.assertGreater(outer.time, inner.time)
        self.assertGreater(outer.total_energy, inner.total_energy)

    def test_window_names_are_checked(self):
        m = self.meter
        m.begin_window("a")
        with self.assertRaisesRegex(ValueError, "already open: a"):
            m.begin_window("a")
        with self.assertRaisesRegex(ValueError, "not open: b"):
            m.end_window("b")
        m.end_window("a")
        with self.assertRaisesRegex(ValueError, "not open: a"):
            m.end_window("a")

    def test_closed_meter_refuses(self):
        with greenbench.Meter("estimate") as m:
            pass
        with self.assertRaisesRegex(ValueError, "closed"):
            m.begin_window("x")


class SourceTest(unittest.TestCase):
    def test_unknown_source_says_what_to_use(self):
        with self.assertRaisesRegex(greenbench.SourceUnavailable, "use one of auto, rapl"):
            greenbench.Meter("bogus")

    def test_fake_rapl_measures_the_known_power(self):
        fake = FakeRapl(power_w=20.0)
        try:
            with EnvRoots(GREENBENCH_SYSFS_ROOT=fake.sysfs, GREENBENCH_PROC_ROOT=fake.proc):
                with greenbench.Meter("auto") as m:
                    self.assertEqual(m.source, "rapl")
                    self.assertFalse(m.estimated)
                    self.assertEqual(m.domains, ["package-0"])
                    with m.window("w") as w:
                        time.sleep(0.5)
                probes = {p["name"]: p for p in greenbench.probe()}
        finally:
            fake.close()
        self.assertEqual(w.source, "rapl")
        self.assertFalse(w.estimated)
        # 20 W over the window's time, in joules (a unit slip would be off by 1e6): the writer
        # writes every ~1 ms, so allow for it running late under load at either end.
        self.assertAlmostEqual(w.energy["package-0"], 20.0 * w.time, delta=0.1 + 0.05 * 20 * w.time)
        self.assertAlmostEqual(w.total_energy, w.energy["package-0"], places=9)
        self.assertTrue(probes["rapl"]["available"])
        self.assertEqual(probes["rapl"]["domains"], ["package-0"])

    def test_probe_says_why_a_source_is_unavailable(self):
        with tempfile.TemporaryDirectory() as empty:
            with EnvRoots(GREENBENCH_SYSFS_ROOT=empty, GREENBENCH_NVML_LIBRARY=empty + "/none.so"):
                probes = greenbench.probe()
        names = [p["name"] for p in probes]
        self.assertEqual(names, ["rapl", "perf", "msr", "nvml", "estimate"])
        by_name = {p["name"]: p for p in probes}
        self.assertFalse(by_name["rapl"]["available"])
        self.assertIn("no RAPL powercap zones", by_name["rapl"]["reason"])
        self.assertFalse(by_name["nvml"]["available"])
        self.assertTrue(by_name["estimate"]["available"])
        self.assertIn("cpu", by_name["estimate"]["domains"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
