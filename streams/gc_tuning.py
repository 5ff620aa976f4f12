"""The garbage collector tuned for a worker, and for benchmarks that should measure the same."""

from __future__ import annotations

import gc


def tune_gc(thresholds: tuple[int, int, int] | None) -> None:
    """A worker allocates a few hundred objects per event, nearly all short-lived (decoded events,
    records, futures); with Python's default thresholds (700,10,10) the collector runs every few
    events and a full collection walks every open session's state. Larger thresholds cut the
    worker's CPU per event by a fifth (docs/performance.md); freezing moves what start-up built
    (modules, the app, compiled patterns) out of the collector's sight for good."""
    if thresholds is None:
        return
    gc.collect()
    gc.freeze()
    gc.set_threshold(*thresholds)
