"""`sessionscope evaluate --labels FILE`: agreement of a classifier backend with reference labels."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

import orjson

from models.classification import Classification
from models.evaluation import MODES, Label, Report, Validation, between, compare, validate
from models.session import structure
from streams.commands.classify import BackendUnavailable, Loaded, classify_all, load, make_backend


class LabelFileError(Exception):
    """The label file is missing or a line of it does not parse."""


def read_labels(path: Path) -> list[Label]:
    if not path.is_file():
        raise LabelFileError(f"label file {path} does not exist")
    labels = []
    for no, line in enumerate(path.read_bytes().splitlines(), 1):
        if not line.strip():
            continue
        try:
            labels.append(Label.from_dict(orjson.loads(line)))
        except (orjson.JSONDecodeError, KeyError, ValueError) as exc:
            raise LabelFileError(f"{path}:{no}: not a valid label ({exc})") from exc
    return labels


def load_labelled(labels: list[Label], root: Path) -> list[Loaded]:
    missing = [str(root / lab.file) for lab in labels if not (root / lab.file).is_file()]
    if missing:
        raise LabelFileError(
            f"{len(missing)} labelled transcripts not found, e.g. {missing[0]}; pass --transcripts-root"
        )
    return [load(root / lab.file) for lab in labels]


def run_backend(name: str, loaded: list[Loaded]) -> list[Classification]:
    return asyncio.run(classify_all(make_backend(name), [x.state for x in loaded]))


def _p(x: float | None) -> str:
    return "   -" if x is None else f"{100 * x:3.0f}%"


def render(report: Report, validation: Validation, backend: str) -> str:
    out = [
        f"backend {backend}: {report.n} labelled sessions",
        "",
        "facet                 agreement  compared",
    ]
    for facet, share in report.agreement.items():
        out.append(f"{facet:<22}{_p(share):>9}  {report.compared[facet]:>8}")
    out += ["", "mean absolute error"]
    out += [f"  {k:<22}{'-' if v is None else f'{v:.2f}':>6}" for k, v in report.mae.items()]
    out += ["", "work mode confusion (rows: reference, columns: predicted)"]
    short = [m[:5] for m in MODES]
    out.append(" " * 12 + " ".join(f"{s:>5}" for s in short))
    for ref in MODES:
        row = report.confusion[ref]
        if sum(row.values()):
            out.append(f"{ref:<12}" + " ".join(f"{row[m] or '.':>5}" for m in MODES))
    out += ["", *render_validation(validation), "", targets_line(report)]
    return "\n".join(out)


def render_validation(v: Validation) -> list[str]:
    def levels(d: dict[int, tuple[float | None, int]]) -> str:
        return "  ".join(f"{k}:{_p(share).strip()}(n={n})" for k, (share, n) in d.items() if n)

    return [
        "validation (study: succeeded share rises 13%->90% over success 1-5, falls 85%->3% over failure 1-5)",
        f"  succeeded by success signal  {levels(v.succeeded_by_success)}",
        f"  succeeded by failure signal  {levels(v.succeeded_by_failure)}",
        f"  build/fix sessions with code changes  {_p(v.code_changed_share).strip()} of {v.code_sessions}"
        " (study: over 90%)",
    ]


def targets_line(report: Report) -> str:
    parts = [
        f"{facet} {_p(got).strip()} {'>=' if ok else '<'} {100 * target:.0f}% {'ok' if ok else 'MISSED'}"
        for facet, target, got, ok in report.targets
    ]
    met = all(ok for *_, ok in report.targets)
    return f"targets: {'; '.join(parts)} -> {'all met' if met else 'not met'}"


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("evaluate", help="compare a classifier backend with reference labels")
    p.add_argument("--labels", type=Path, required=True, help="JSON lines of reference labels")
    p.add_argument("--backend", choices=("rules", "claude"), default="rules")
    p.add_argument("--against", choices=("rules", "claude"), help="also report agreement with this backend")
    p.add_argument("--transcripts-root", type=Path, help="folder the labels' file paths are relative to "
                   "(default: the label file's folder)")  # fmt: skip
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    root = args.transcripts_root or args.labels.parent
    try:
        labels = read_labels(args.labels)
        loaded = load_labelled(labels, root)
        predictions = run_backend(args.backend, loaded)
        other = run_backend(args.against, loaded) if args.against else None
    except (LabelFileError, BackendUnavailable) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    report = compare(labels, predictions)
    validation = validate([(c, structure(x.state)) for c, x in zip(predictions, loaded, strict=True)])
    print(render(report, validation, args.backend))
    fallbacks = sum(c.fallback for c in predictions)
    if fallbacks:
        print(f"note: {fallbacks} sessions fell back to the rules")
    if other is not None:
        print(f"\nagreement {args.backend} vs {args.against}")
        for k, v in between(predictions, other).items():
            print(f"  {k:<26}{_p(v) if not k.endswith('_mae') else ('-' if v is None else f'{v:.2f}'):>6}")
    return 0
