"""The classified facets of a session (METHOD.md) and the measures derived from them."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class WorkMode(StrEnum):
    BUILD = "build"
    FIX = "fix"
    TEST = "test"
    ORCHESTRATE = "orchestrate"
    OPERATE = "operate"
    UNDERSTAND = "understand"
    PLAN = "plan"
    ANALYZE = "analyze"
    WRITE = "write"


class Outcome(StrEnum):
    SUCCEEDED = "succeeded"
    PARTIAL = "partially_succeeded"
    FAILED = "failed"
    NO_CLEAR_GOAL = "no_clear_goal"


EXPERTISE_NAMES = {1: "novice", 2: "beginner", 3: "intermediate", 4: "advanced", 5: "expert"}

# The 23 major groups of the US Standard Occupational Classification (2018), plus "unclear".
SOC_MAJOR_GROUPS = (
    "Management", "Business and Financial Operations", "Computer and Mathematical",
    "Architecture and Engineering", "Life, Physical, and Social Science", "Community and Social Service",
    "Legal", "Educational Instruction and Library", "Arts, Design, Entertainment, Sports, and Media",
    "Healthcare Practitioners and Technical", "Healthcare Support", "Protective Service",
    "Food Preparation and Serving Related", "Building and Grounds Cleaning and Maintenance",
    "Personal Care and Service", "Sales and Related", "Office and Administrative Support",
    "Farming, Fishing, and Forestry", "Construction and Extraction", "Installation, Maintenance, and Repair",
    "Production", "Transportation and Material Moving", "Military Specific",
)  # fmt: skip
UNCLEAR = "unclear"


class Classification(BaseModel):
    """Every classified facet of one session. `expertise` None means unclear."""

    model_config = ConfigDict(frozen=True)

    work_mode: WorkMode
    expertise: int | None = Field(default=None, ge=1, le=5)
    outcome: Outcome
    success_signal: int = Field(ge=0, le=5)
    failure_signal: int = Field(ge=0, le=5)
    user_planning_share: float | None = Field(default=None, ge=0, le=1)
    user_execution_share: float | None = Field(default=None, ge=0, le=1)
    occupation: str = UNCLEAR
    task_value: float = Field(default=0.0, ge=0, le=1, description="relative, for ranking only")
    backend: str = "rules"
    fallback: bool = False  # the configured backend failed and the rules answered instead


def derived(c: Classification, structure: dict[str, Any]) -> dict[str, bool | None]:
    """Derived measures of METHOD.md. Rates exclude no-clear-goal sessions, so those get None."""
    rated = c.outcome is not Outcome.NO_CLEAR_GOAL
    troubled = c.failure_signal >= 3
    return {
        "rated": rated,
        "verified_success": (c.outcome is Outcome.SUCCEEDED and c.success_signal >= 4) if rated else None,
        "at_least_partial": (c.outcome in (Outcome.SUCCEEDED, Outcome.PARTIAL)) if rated else None,
        "troubled": troubled if rated else None,
        "abandoned": (troubled and c.outcome is Outcome.FAILED and structure["lines_added"] == 0)
        if rated
        else None,
        "coding_session": bool(structure["code_changed"]),
    }


def expertise_label(level: int | None) -> str:
    return EXPERTISE_NAMES.get(level, UNCLEAR) if level is not None else UNCLEAR
