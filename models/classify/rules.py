"""Rule classifier (placeholder until the full rule set lands): every facet from session evidence."""

from __future__ import annotations

from models.classification import Classification, Outcome, WorkMode
from models.session import SessionState


def classify(state: SessionState) -> Classification:
    files = state.files
    mode = WorkMode.BUILD if files.get("code") else WorkMode.UNDERSTAND
    return Classification(work_mode=mode, outcome=Outcome.SUCCEEDED, success_signal=2, failure_signal=0)
