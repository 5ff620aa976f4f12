"""The study's reference figures, as the synthetic generator's targets.

Figures marked "study" are quoted from METHOD.md (facets and "Reference figures (study)");
everything else is our choice where the study leaves one open, with the reason beside it.
Rates are over rated sessions (outcome other than no clear goal), as in METHOD.md.
"""

from __future__ import annotations

# -- work mode (study: fix 26%, build 25%, operate 17%, plan+understand 14%, analyze+write 13%,
#    test+orchestrate 5%). Pairs are split by our judgement: exploring code is a little more
#    common than designing before changing; testing more common than orchestrating agents.
MODE_SHARES: dict[str, float] = {
    "fix": 0.26, "build": 0.25, "operate": 0.17,
    "understand": 0.08, "plan": 0.06,
    "analyze": 0.07, "write": 0.06,
    "test": 0.03, "orchestrate": 0.02,
}  # fmt: skip
# study trend Oct 2025 -> Apr 2026: fix 33% -> 19%, operate 14% -> 21%, analyze+write ~10% -> ~20%;
# used when the generator is asked to drift across its span (other modes scale to fill the rest)
MODE_TREND: dict[str, tuple[float, float]] = {"fix": (0.33, 0.19), "operate": (0.14, 0.21)}
ANALYZE_WRITE_TREND = (0.10, 0.20)

# -- expertise shown on the task (1 novice .. 5 expert). Our choice, skewed to advanced and expert:
#    it is the mix under which the per-level figures below average out to the study's overall
#    session shape (about 10 actions per prompt and 2,400 words per turn). No "unclear": a generated
#    user always has a level.
EXPERTISE_MIX: dict[int, float] = {1: 0.04, 2: 0.08, 3: 0.22, 4: 0.36, 5: 0.30}

# -- outcomes (study): about 7.7% of sessions have no clear goal
NO_CLEAR_GOAL = 0.077
# study, adjusted: verified success (succeeded AND success signal >= 4) and at least partial success
VERIFIED_SUCCESS: dict[int, float] = {1: 0.145, 2: 0.209, 3: 0.283, 4: 0.295, 5: 0.329}
AT_LEAST_PARTIAL: dict[int, float] = {1: 0.77, 2: 0.91, 3: 0.915, 4: 0.915, 5: 0.92}
# our choice: share of rated sessions judged succeeded. It must exceed VERIFIED_SUCCESS; the gap is
# success without a hard signal, larger for novices (they ask for less verification, METHOD facet 2).
SUCCEEDED: dict[int, float] = {1: 0.42, 2: 0.50, 3: 0.56, 4: 0.57, 5: 0.60}

# our choice: failure signal by outcome, picked so that troubled sessions (failure >= 3) come out near
# the study's figures among troubled: at least partial 60% (novice) to 80%, verified 4% to 15%; and
# so that the share succeeded falls steeply with the failure signal (study: 85% at 1, 3% at 5).
# A failed session always shows it ended failed: the agent gave up (3) or a hard failure signal (4-5).
FAILURE_SIGNAL: dict[str, tuple[float, ...]] = {  # P(0..5)
    "succeeded": (0.55, 0.20, 0.10, 0.15, 0.0, 0.0),
    "partially_succeeded": (0.10, 0.06, 0.26, 0.32, 0.26, 0.0),
    "failed": (0.0, 0.0, 0.0, 0.25, 0.55, 0.20),
    "no_clear_goal": (0.80, 0.20, 0.0, 0.0, 0.0, 0.0),
}
# success signal when there is no hard signal (below 4); partial sessions may reach 4 (a passing
# test for the half that works), failed ones stay soft: the study saw 13% succeeded at signal 1
SOFT_SUCCESS_SIGNAL: dict[str, tuple[float, ...]] = {  # P(0..3)
    "succeeded": (0.0, 0.08, 0.52, 0.40),
    "partially_succeeded": (0.0, 0.30, 0.40, 0.30),
    "failed": (0.5, 0.5, 0.0, 0.0),  # replaced by what the session shows: 1 if it changed something, else 0
    "no_clear_goal": (0.4, 0.6, 0.0, 0.0),  # 0: aborted before any answer; 1: a reply, nothing more
}
PARTIAL_HARD_SUCCESS = 0.15  # partial sessions with one hard signal (signal 4)
SEVERAL_HARD = 0.35  # of sessions with a hard success signal, those with several (signal 5)

# -- session shape (study): about 4 turns; actions and words per prompt by expertise, novice about
#    5 actions / 600 words, expert about 12 / 3,200 (intermediate levels interpolated linearly);
#    2% of sessions average over 100 actions per prompt. Our reading: these are means over sessions.
MEAN_TURNS = 4.0
ACTIONS_PER_PROMPT: dict[int, float] = {1: 5.0, 2: 6.75, 3: 8.5, 4: 10.25, 5: 12.0}
WORDS_PER_TURN: dict[int, float] = {1: 600.0, 2: 1250.0, 3: 1900.0, 4: 2550.0, 5: 3200.0}
# long autonomous runs (one prompt, 100+ actions) among sessions with a goal; more common for
# experts, about 2% of all sessions
RUNAWAY: dict[int, float] = {1: 0.005, 2: 0.01, 3: 0.015, 4: 0.022, 5: 0.028}
RUNAWAY_ACTIONS = (100, 180)  # uniform range of actions in such a one-prompt session
ACTIONS_SIGMA = 0.55  # lognormal spread of a session's actions per prompt around its level's mean
WORDS_SIGMA = 0.5

# -- decisions (study): users make about 70% of planning and 20% of execution decisions; a user
#    keeping over 80% of execution goes with about 8 actions per turn, an agent making over 80% of
#    planning with about 16. We scale actions per prompt linearly in both shares (mean 1).
USER_PLANNING_SHARE = 0.70
USER_EXECUTION_SHARE = 0.20
# spread: Beta(1.4, 0.6) and Beta(0.5, 2.0) have those means and leave a few percent of sessions
# at either extreme, where the study's actions-per-turn contrast shows
PLANNING_BETA = (1.4, 0.6)
EXECUTION_BETA = (0.5, 2.0)
ACTIONS_BY_EXECUTION = 0.25  # actions multiplier falls by this per unit of user execution share
ACTIONS_BY_PLANNING = 1.2  # and rises by this per unit of agent planning share

# -- agents and models (our choice: mostly Claude Code, as in the study's population)
AGENTS: dict[str, float] = {"claude_code": 0.80, "codex": 0.12, "copilot_cli": 0.08}
MODELS: dict[str, dict[str, float]] = {
    "claude_code": {"claude-sonnet-4-5": 0.55, "claude-opus-4-5": 0.30, "claude-haiku-4-5": 0.15},
    "codex": {"gpt-5-codex": 0.6, "gpt-5.1-codex": 0.4},
    "copilot_cli": {"claude-sonnet-4.5": 0.7, "gpt-5": 0.3},
}
