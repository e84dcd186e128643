"""The window protocol (docs/windows.md) from Python, with the standard library only.

A program run by `greenbench meter -- CMD` or by a grid's `workload: command` finds
GREENBENCH_WINDOWS_FD in its environment and marks its windows there; greenbench reads the
meter the moment each line arrives. Run alone, every call here does nothing.

    from greenbench_windows import window

    for epoch in range(1, epochs + 1):
        with window("train", epoch=epoch) as w:   # `begin train` now, `end train ...` on exit
            loss = train_one_epoch()
            w["loss"] = loss                      # key=value pairs for the end line
            w["samples"] = len(train_set)
        with window("infer", samples=len(test_set)) as w:
            w["accuracy"] = evaluate()

Not the meter itself (the `greenbench` module meters a process from the inside).
"""

import os
import re
import sys
from contextlib import contextmanager
from typing import Any, Dict, Iterator, Optional

ENV = "GREENBENCH_WINDOWS_FD"
_NAME = re.compile(r"[A-Za-z0-9_.:/-]{1,200}\Z")
_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,99}\Z")

_fd: Optional[int] = None
_fd_read = False


def windows_fd() -> Optional[int]:
    """The descriptor named by GREENBENCH_WINDOWS_FD, or None when there is none to write to."""
    global _fd, _fd_read
    if not _fd_read:
        _fd_read = True
        text = os.environ.get(ENV, "")
        if text:
            try:
                fd = int(text)
                os.fstat(fd)
                _fd = fd
            except (ValueError, OSError) as e:
                _warn(f"{ENV}={text!r} names no open descriptor ({e}); windows not reported")
    return _fd


def _warn(text: str) -> None:
    print(f"greenbench_windows: {text}", file=sys.stderr, flush=True)


def _value_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    text = str(value)
    return re.sub(r"\s+", "_", text) if text else "-"


def _write(line: str) -> None:
    global _fd
    fd = windows_fd()
    if fd is None:
        return
    data = (line + "\n").encode()
    try:
        while data:  # one write for lines under PIPE_BUF (4096 bytes): never interleaved
            data = data[os.write(fd, data):]
    except OSError as e:  # greenbench gone: the program goes on, unmetered
        _warn(f"cannot write to {ENV} ({e}); windows no longer reported")
        _fd = None


def begin(name: str) -> None:
    """Marks the start of window `name` (letters, digits, _ - . : /)."""
    if not _NAME.match(name):
        raise ValueError(f"window name {name!r}: expected 1 to 200 of letters, digits, _-.:/")
    _write(f"begin {name}")


def end(name: str, **values: Any) -> None:
    """Marks the end of the innermost open window `name`, with key=value pairs
    (samples, loss, accuracy, epoch, tokens, params, macs_per_sample, or any other key)."""
    if not _NAME.match(name):
        raise ValueError(f"window name {name!r}: expected 1 to 200 of letters, digits, _-.:/")
    parts = [f"end {name}"]
    for key, value in values.items():
        if value is None:
            continue
        if not _KEY.match(key):
            raise ValueError(f"window key {key!r}: expected letters, digits, _ - . (not first a digit)")
        parts.append(f"{key}={_value_text(value)}")
    _write(" ".join(parts))


@contextmanager
def window(name: str, **values: Any) -> Iterator[Dict[str, Any]]:
    """`with window("train", epoch=3) as w:` marks the block as window `name`; keys put into
    `w` inside the block join `values` on the end line. The window ends on an exception too."""
    begin(name)
    reported: Dict[str, Any] = dict(values)
    try:
        yield reported
    finally:
        end(name, **reported)
