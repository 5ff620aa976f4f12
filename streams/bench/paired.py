"""Paired comparison of two configurations: per-pair ratios, their median and a sign test (pure).

Runs minutes apart on a shared machine compare the host more than the code, so each pair is
judged on its own and the verdict asks how often B beat A, not how far apart two medians are.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import comb
from statistics import median

ALPHA = 0.05


def sign_test_p(wins: int, n: int) -> float:
    """Two-sided sign test: the chance of a split at least this lopsided if A and B were alike."""
    if n == 0:
        return 1.0
    tail = min(wins, n - wins)
    p = 2 * sum(comb(n, k) for k in range(tail + 1)) / 2**n
    return min(1.0, p)


@dataclass(frozen=True)
class Paired:
    """B/A ratios of one figure over the pairs, and which way is better for it."""

    figure: str
    ratios: list[float]
    higher_is_better: bool

    @property
    def median(self) -> float:
        return median(self.ratios)

    @property
    def b_better(self) -> int:
        return sum(1 for r in self.ratios if (r > 1 if self.higher_is_better else r < 1))

    @property
    def b_worse(self) -> int:
        return sum(1 for r in self.ratios if (r < 1 if self.higher_is_better else r > 1))

    @property
    def p(self) -> float:
        return sign_test_p(self.b_better, self.b_better + self.b_worse)  # ties carry no direction

    def verdict(self) -> str:
        n = len(self.ratios)
        better = "faster" if self.higher_is_better else "cheaper"
        worse = "slower" if self.higher_is_better else "costlier"
        split = f"B {better} in {self.b_better} of {n} pairs, sign test p = {self.p:.2g}"
        if self.p >= ALPHA:
            return f"no difference shown ({split})"
        direction = better if self.b_better > self.b_worse else worse
        return f"B is {direction}: median B/A {self.median:.2f} ({split})"


def paired(figure: str, a: list[float], b: list[float], *, higher_is_better: bool) -> Paired:
    if len(a) != len(b) or not a:
        raise ValueError("a paired comparison needs the same number of A and B runs, at least one")
    return Paired(figure, [y / x for x, y in zip(a, b, strict=True)], higher_is_better)
