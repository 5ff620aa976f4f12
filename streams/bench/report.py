"""The benchmark's table: each figure next to its target."""

from __future__ import annotations

from statistics import mean

from streams.bench.run import Results, Run

KB = 1024


def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))] if ordered else 0.0


def rows(r: Results) -> list[tuple[str, str, str]]:
    """(figure, value, target) for every line of the table."""
    c, one = r.config, r.one
    mode = "1 event/message" if c.single else f"batches of {c.batch_events}"
    target = ">= 3,000/s" if c.single else ">= 20,000/s"
    runs = f" (median of {len(r.ones)})" if len(r.ones) > 1 else ""
    out = [
        (f"events/s, 1 worker ({mode}){runs}", f"{one.events_per_s:,.0f}", target),
        *_spread("  each run, 1 worker", r.ones),
        ("ceiling: raw consumer + orjson, events/s", f"{r.ceiling_eps:,.0f}", "-"),
        ("ratio to ceiling", f"{one.events_per_s / r.ceiling_eps:.1%}" if r.ceiling_eps else "n/a", "-"),
        ("worker CPU per 1k events (ms)", f"{one.ms_per_1k_events(one.worker_cpu_s):.1f}", "-"),
        ("broker CPU per 1k events (ms)", f"{one.ms_per_1k_events(one.broker_cpu_s):.1f}", "-"),
        ("session_end -> classified record, p50 (s)", f"{pct(r.to_classified, 50):.3f}", "-"),
        ("session_end -> classified record, p99 (s)", f"{pct(r.to_classified, 99):.3f}", "-"),
        ("session_end -> /metrics, p50 (s)", f"{pct(r.to_metrics, 50):.3f}", "-"),
        ("session_end -> /metrics, p99 (s)", f"{pct(r.to_metrics, 99):.3f}", "< 2 s"),
        ("peak RSS after the backlog (MB)", f"{one.peak_rss / KB / KB:.0f}", "-"),
        (f"peak RSS with {c.open_sessions:,} open sessions (MB)", f"{r.final_peak_rss / KB / KB:.0f}", "-"),
        (f"state per open session, RSS ({c.open_events} events each, KB)",
         f"{r.open_rss_delta / max(c.open_sessions, 1) / KB:.2f}", "<= 4 KB"),
        ("state per open session, changelog record (KB)",
         f"{mean(r.open_changelog) / KB:.2f}" if r.open_changelog else "n/a", "<= 4 KB"),
    ]
    if r.two is not None:
        out += [
            (f"events/s, 2 workers, {c.partitions} partitions{runs}", f"{r.two.events_per_s:,.0f}", "-"),
            *_spread("  each run, 2 workers", r.twos),
            ("2 workers / 1 worker (medians)", f"{r.two.events_per_s / one.events_per_s:.2f}x", ">= 1.7x"),
        ]
    return out


def _spread(label: str, runs: list[Run]) -> list[tuple[str, str, str]]:
    """Every run's events/s and worker CPU, in the order they ran, when there is more than one."""
    if len(runs) < 2:
        return []
    eps = " / ".join(f"{run.events_per_s:,.0f}" for run in runs)
    cpu = " / ".join(f"{run.ms_per_1k_events(run.worker_cpu_s):.1f}" for run in runs)
    return [(f"{label}, events/s", eps, "-"), (f"{label}, worker CPU ms per 1k", cpu, "-")]


def render(r: Results) -> str:
    c = r.config
    head = (f"sessionscope bench: {r.one.events:,} events in {r.one.messages:,} messages, {r.sessions:,} sessions, "
            f"{c.partitions} partitions, embedded broker; {c.live} live sessions at {c.live_rate:g}/s")
    table = rows(r)
    w0 = max(len(f) for f, _, _ in table)
    w1 = max(len(v) for _, v, _ in table)
    lines = [head, "", f"{'figure':<{w0}}  {'measured':>{w1}}  target", "-" * (w0 + w1 + 12)]
    lines += [f"{f:<{w0}}  {v:>{w1}}  {t}" for f, v, t in table]
    lines += ["", f"classified: {r.sessions:,} of {r.sessions:,} backlog sessions, "
                  f"{len(r.to_classified)} of {c.live} live sessions"]
    return "\n".join(lines)
