"""The configured classifier backend behind one async interface."""

from __future__ import annotations

import time
from typing import Protocol

from models.classification import Classification
from models.classify import rules
from models.session import SessionState
from streams import metrics
from streams.settings import Settings


class Classifier(Protocol):
    async def classify(self, state: SessionState) -> Classification: ...


class RuleClassifier:
    async def classify(self, state: SessionState) -> Classification:
        start = time.perf_counter()
        result = rules.classify(state)
        metrics.CLASSIFY_SECONDS.labels(backend="rules").observe(time.perf_counter() - start)
        return result


def make_classifier(settings: Settings) -> Classifier:
    if settings.classifier == "claude":
        from streams.claude_classifier import ClaudeClassifier

        return ClaudeClassifier(settings)
    return RuleClassifier()
