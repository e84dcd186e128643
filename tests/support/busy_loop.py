"""Test helper for the Python programs under tests/: work that takes a known wall time."""
import time


def busy(seconds):
    """Spins the CPU for `seconds` of wall time; returns the loop count."""
    end = time.perf_counter() + seconds
    n = 0
    while time.perf_counter() < end:
        n += 1
    return n
