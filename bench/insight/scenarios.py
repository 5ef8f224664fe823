"""Playbook scenarios: a program situation, simulated with sampling noise, and the practice it calls for."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from bench.insight.sim import LEVELS, level_after, simulate_rounds
from bot.digest import HISTORY_ROUNDS
from bot.measures import RoundMeasures
from bot.questions import QuestionBank

N = 40
ROUNDS = HISTORY_ROUNDS

COMMENTS: Mapping[str, tuple[str, ...]] = {
    "confidentiality": (
        "I heard that what I told a supporter got back to my manager.",
        "Not sure anything said in a peer support chat stays private any more.",
        "After the leak last month I would not trust the programme with anything personal.",
        "People are saying supporters gossip about the cases they hear.",
        "How do I know my conversation is kept confidential?",
        "Someone in my team knew details I only shared in a support session.",
    ),
    "training": (
        "Supporters could use more training on handling difficult conversations.",
        "The refresher course was too short to be useful.",
    ),
    "workload": (
        "Everyone is too busy to even think about this.",
        "Workload on our team is brutal this quarter.",
    ),
    "other": (
        "Thanks for running this.",
        "The survey is fine.",
        "Nothing to add this week.",
        "Keep it up.",
        "Good initiative overall.",
        "I like the new office plants.",
    ),
}


@dataclass
class Inputs:
    """Everything the digest's playbook reads, for one simulated week."""

    measures: list[RoundMeasures]
    comments: list[str]
    outcomes: dict[str, int] = field(default_factory=lambda: {"listened": 7, "resources_shared": 4})
    loads: list[int] = field(default_factory=lambda: [3, 3, 2, 3])
    lapsed: int = 0
    participation: float = 0.6


@dataclass(frozen=True)
class Scenario:
    """A named situation and the practice that should come first (None: nothing should)."""

    name: str
    expected: str | None
    build: Callable[[np.random.Generator, random.Random, QuestionBank], Inputs]


def _comments(rnd: random.Random, wave: str | None = None, size: int = 4) -> list[str]:
    everyday = [rnd.choice(COMMENTS["other"]) for _ in range(rnd.randint(3, 6))]
    everyday += [rnd.choice(COMMENTS["workload"]) for _ in range(rnd.randint(0, 2))]
    if wave:
        everyday += [rnd.choice(COMMENTS[wave]) for _ in range(size + rnd.randint(0, 3))]
    rnd.shuffle(everyday)
    return everyday


def _levels(changes: Mapping[str, tuple[float, int]]) -> dict[str, list[float]]:
    """Latent levels per round: construct → (points of change, over how many final rounds)."""
    levels: dict[str, list[float]] = {}
    for construct, (points, last) in changes.items():
        base = LEVELS[construct]
        levels[construct] = [base] * (ROUNDS - last) + [level_after(construct, points)] * last
    return levels


def _rounds(
    rng: np.random.Generator, bank: QuestionBank, changes: Mapping[str, tuple[float, int]]
) -> list[RoundMeasures]:
    # Round numbers that are even ask trust_confidentiality and witnessed_disrespect: end on one.
    start = 2 * int(rng.integers(0, 10)) + (ROUNDS - 1) % 2
    return simulate_rounds(rng, bank, rounds=ROUNDS, n=N, level_of=_levels(changes), start=start)


def _scenario(
    name: str,
    expected: str | None,
    changes: Mapping[str, tuple[float, int]] | None = None,
    wave: str | None = None,
    **support: object,
) -> Scenario:
    def build(rng: np.random.Generator, rnd: random.Random, bank: QuestionBank) -> Inputs:
        inputs = Inputs(measures=_rounds(rng, bank, changes or {}), comments=_comments(rnd, wave))
        for key, value in support.items():
            setattr(inputs, key, value)
        return inputs

    return Scenario(name, expected, build)


SCENARIOS = (
    _scenario("healthy program", None),
    # A leak: trust falls from ~80% to ~62% favourable (still above the 60% threshold), complaints rise.
    _scenario(
        "confidentiality leak",
        "explain-confidentiality",
        {"trust_confidentiality": (-0.45, 4)},  # the last two rounds that asked it
        "confidentiality",
    ),
    _scenario(
        "low trust in confidentiality", "explain-confidentiality", {"trust_confidentiality": (-0.8, ROUNDS)}
    ),
    _scenario("psychological safety falls", "leadership-listening", {"psych_safety": (-0.6, 2)}),
    _scenario("leaders seen not to act", "leadership-listening", {"leadership_response": (-0.6, ROUNDS)}),
    _scenario("program unknown", "awareness-campaign", {"awareness": (-0.6, ROUNDS)}),
    _scenario(
        "more disrespect witnessed, few sessions",
        "bystander-training",
        {"witnessed_disrespect": (-0.6, 4)},  # the last two rounds that asked it
        loads=[1, 0, 1, 0],
        outcomes={"listened": 2},
    ),
    _scenario("training lapsed", "refresher-training", lapsed=3),
    _scenario(
        "one supporter carries the load",
        "recruit-supporters",
        loads=[16, 2, 1, 1],
        outcomes={"listened": 14, "resources_shared": 6},
    ),
    _scenario("few sessions, uneven by chance", None, loads=[2, 0, 0, 0], outcomes={"listened": 2}),
    _scenario(
        "many escalations",
        "review-referral-pathways",
        outcomes={"listened": 8, "referred_hr": 2, "escalated_safety": 5, "resources_shared": 4},
        loads=[5, 5, 5, 4],
    ),
    _scenario("low participation", "close-the-loop", participation=0.3),
)
