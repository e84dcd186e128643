"""A program that marks two epochs of train and infer with the window protocol (docs/windows.md),
through python/greenbench_windows.py, for the command-workload and meter tests. Busy loops stand
in for work. Usage: two_epochs.py ACCURACY [SECONDS_PER_PHASE]"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "../../../python"))
sys.path.insert(0, os.path.join(HERE, "../../support"))
from busy_loop import busy  # noqa: E402
from greenbench_windows import window  # noqa: E402


accuracy = float(sys.argv[1])
seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 0.15
print("two_epochs: starting", flush=True)
for epoch in (1, 2):
    with window("train", epoch=epoch, samples=600) as w:
        with window("step"):  # nested: a window inside the train window
            busy(seconds / 2)
        busy(seconds / 2)
        w["loss"] = 1.0 / epoch
    with window("infer", samples=100) as w:
        busy(seconds)
        w["accuracy"] = accuracy
print("two_epochs: done", flush=True)
