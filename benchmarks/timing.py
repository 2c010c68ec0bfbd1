"""Timing a call, the memory a process holds while it runs, and the machine (benchmarks only)."""

from __future__ import annotations

import dataclasses
import os
import platform
import statistics
import sys
import threading
import time
from collections.abc import Callable


@dataclasses.dataclass(frozen=True)
class Timing:
    """Seconds per call: median, fastest and slowest of the timed repeats."""

    median_s: float
    min_s: float
    max_s: float
    repeats: int


def time_calls(fn: Callable[[], object], warmup: int, repeats: int) -> Timing:
    """Times `fn()` `repeats` times after `warmup` untimed calls.

    `fn` must return only once its work is done (e.g. with its results on
    the host), so that asynchronous backends are timed whole.

    Example:

    >>> from timing import time_calls
    >>> timing = time_calls(lambda: sum(range(1000)), warmup=1, repeats=5)
    >>> timing.min_s <= timing.median_s <= timing.max_s
    True
    """
    if isinstance(warmup, bool) or not isinstance(warmup, int) or warmup < 0:
        raise ValueError(
            f"`warmup` must be an integer >= 0. Received: warmup={warmup!r}."
        )
    if isinstance(repeats, bool) or not isinstance(repeats, int) or repeats < 1:
        raise ValueError(
            f"`repeats` must be an integer >= 1. Received: repeats={repeats!r}."
        )
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return Timing(statistics.median(times), min(times), max(times), repeats)


def machine_description() -> str:
    """The processor, architecture and core count, e.g. `"AMD EPYC (x86_64), 2 CPU cores"`.

    The processor's model comes from `/proc/cpuinfo` where there is one: two
    machines of one architecture can run the same call at different speeds.
    """
    model = None
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                key, _, value = line.partition(":")
                if key.strip() == "model name" and value.strip():
                    model = value.strip()
                    break
    except OSError:
        pass
    arch = platform.machine() or "unknown architecture"
    cores = f"{os.cpu_count()} CPU cores"
    return f"{model} ({arch}), {cores}" if model else f"{arch}, {cores}"


def _resident_bytes() -> int | None:
    """The process's resident memory now, or None where it cannot be read."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


class PeakMemory:
    """Samples the process's resident memory while a block runs.

    On Linux, a thread reads `/proc/self/statm` every `interval` seconds:
    `peak_bytes` is the largest value seen and `added_bytes` how far it
    rose above the memory held when the block began (host memory; an
    accelerator's memory is not included). Elsewhere both fall back to the
    process's peak so far (`getrusage`), which may include earlier work.

    Example:

    >>> from timing import PeakMemory
    >>> with PeakMemory() as memory:
    ...     block = b"x" * (64 * 2**20)  # every page written
    >>> memory.added_bytes >= 60 * 2**20
    True
    """

    def __init__(self, interval: float = 0.005):
        self.interval = interval
        self.peak_bytes = 0
        self.baseline_bytes = 0
        self._stop = threading.Event()
        self._thread = None

    @property
    def added_bytes(self) -> int:
        """How far the resident memory rose above its value at the start."""
        return max(self.peak_bytes - self.baseline_bytes, 0)

    def _sample(self):
        while True:
            self.peak_bytes = max(self.peak_bytes, _resident_bytes() or 0)
            if self._stop.wait(self.interval):
                return

    def __enter__(self):
        self.baseline_bytes = _resident_bytes() or 0
        if _resident_bytes() is not None:
            self._thread = threading.Thread(target=self._sample, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc_info):
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
            self.peak_bytes = max(self.peak_bytes, _resident_bytes() or 0)
        else:
            import resource  # Unix only; Linux takes the sampling path above.

            # ru_maxrss is in bytes on macOS, kilobytes elsewhere.
            scale = 1 if sys.platform == "darwin" else 1024
            self.peak_bytes = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale
        return False
