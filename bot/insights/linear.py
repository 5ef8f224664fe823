"""A small linear text model: word, word-pair and character n-gram features, logistic regression."""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_NEGATION = frozenset(
    [
        "not",
        "no",
        "never",
        "nobody",
        "nothing",
        "none",
        "cannot",
        "can't",
        "don't",
        "doesn't",
        "didn't",
        "isn't",
        "wasn't",
        "aren't",
        "weren't",
        "won't",
        "wouldn't",
        "couldn't",
        "shouldn't",
        "haven't",
        "hasn't",
        "without",
        "nadie",
        "nunca",
        "nada",
        "nie",
        "niemand",
        "kein",
        "keine",
        "nicht",
        "pas",
        "jamais",
        "personne",
        "rien",
    ]
)
# A negation colours the next few words ("not very helpful"), then its scope ends.
_NEGATION_SCOPE = 3
_CHAR_GRAMS = (3, 4, 5)


def text_features(normalised: str) -> set[str]:
    """Features of lower-cased, accent-free text: words, word pairs, negated words, char n-grams."""
    words = _TOKEN.findall(normalised)
    feats = {f"w:{word}" for word in words}
    feats.update(f"b:{a}_{b}" for a, b in itertools.pairwise(words))
    scope = 0
    for word in words:
        if word in _NEGATION:
            scope = _NEGATION_SCOPE
            continue
        if scope:
            feats.add(f"n:{word}")
            scope -= 1
    # Character n-grams inside words carry typos ("suporter"), inflections and compounds
    # ("Ansprechpersonen") that the words alone would miss.
    for word in words:
        padded = f"<{word}>"
        feats.update(f"c:{padded[i : i + n]}" for n in _CHAR_GRAMS for i in range(len(padded) - n + 1))
    return feats


@dataclass(frozen=True)
class LinearModel:
    """Weights per feature for each output; `scores` gives one logit per output."""

    outputs: tuple[str, ...]
    bias: tuple[float, ...]
    weights: Mapping[str, Sequence[float]]

    def scores(self, feats: Iterable[str]) -> dict[str, float]:
        """Logit per output for a set of features (rows are scaled to unit length, as in training)."""
        known = [self.weights[f] for f in set(feats) if f in self.weights]
        scale = 1.0 / math.sqrt(len(known)) if known else 0.0
        totals = list(self.bias)
        for row in known:
            for index, value in enumerate(row):
                totals[index] += value * scale
        return dict(zip(self.outputs, totals, strict=True))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict that `linear_model_from_dict` reads back."""
        return {"outputs": list(self.outputs), "bias": list(self.bias), "weights": dict(self.weights)}


def linear_model_from_dict(data: Mapping[str, Any]) -> LinearModel:
    """A `LinearModel` from the dict `LinearModel.to_dict` returns (or its JSON)."""
    return LinearModel(
        outputs=tuple(str(o) for o in data["outputs"]),
        bias=tuple(float(b) for b in data["bias"]),
        weights={str(f): tuple(float(x) for x in row) for f, row in data["weights"].items()},
    )


def sigmoid(x: float) -> float:
    """The logistic function, safe for large |x|."""
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))


def softmax(scores: Mapping[str, float]) -> dict[str, float]:
    """Probabilities from logits."""
    top = max(scores.values())
    exps = {k: math.exp(v - top) for k, v in scores.items()}
    total = sum(exps.values())
    return {k: v / total for k, v in exps.items()}


def train_linear(
    rows: Sequence[set[str]],
    targets: Sequence[Sequence[float]],
    outputs: Sequence[str],
    *,
    multinomial: bool,
    l2: float,
    min_count: int = 2,
    digits: int = 3,
) -> LinearModel:
    """Fit one-vs-rest (or multinomial) logistic regression by L-BFGS; deterministic for given rows."""
    import numpy as np
    from scipy import optimize, sparse

    counts = Counter(f for feats in rows for f in feats)
    # A feature seen in one comment only is an anecdote, not evidence.
    vocabulary = sorted(f for f, n in counts.items() if n >= min_count)
    index = {f: i for i, f in enumerate(vocabulary)}
    data, cols, indptr = [], [], [0]
    for feats in rows:
        known = sorted(index[f] for f in feats if f in index)
        scale = 1.0 / math.sqrt(len(known)) if known else 0.0
        cols.extend(known)
        data.extend([scale] * len(known))
        indptr.append(len(cols))
    x = sparse.csr_matrix((data, cols, indptr), shape=(len(rows), len(vocabulary)))
    y = np.asarray(targets, dtype=float)
    n_features, n_outputs = len(vocabulary), len(outputs)

    def loss(flat: Any) -> tuple[float, Any]:
        w = flat[: n_features * n_outputs].reshape(n_features, n_outputs)
        b = flat[n_features * n_outputs :]
        z = x @ w + b
        if multinomial:
            z = z - z.max(axis=1, keepdims=True)
            log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
            value = -(y * log_p).sum()
            grad_z = np.exp(log_p) - y
        else:
            value = (np.logaddexp(0, z) - y * z).sum()
            grad_z = 1 / (1 + np.exp(-z)) - y
        value += 0.5 * l2 * (w * w).sum()
        grad_w = x.T @ grad_z + l2 * w
        return float(value), np.concatenate([np.asarray(grad_w).ravel(), grad_z.sum(axis=0)])

    start = np.zeros(n_features * n_outputs + n_outputs)
    fitted = optimize.minimize(loss, start, jac=True, method="L-BFGS-B", options={"maxiter": 2000})
    w = fitted.x[: n_features * n_outputs].reshape(n_features, n_outputs)
    b = fitted.x[n_features * n_outputs :]
    # Near-zero weights change no decision; dropping them keeps the shipped file small.
    weights = {
        f: tuple(round(float(v), digits) for v in w[i])
        for f, i in index.items()
        if np.abs(w[i]).max() >= 10**-digits
    }
    return LinearModel(
        outputs=tuple(outputs), bias=tuple(round(float(v), digits) for v in b), weights=weights
    )
