"""Span probabilities from a BIO tagger's per-word label probabilities, read as a chain.

A word-level tagger gives each word its own distribution over labels, and nothing stops
it from labelling "Barnum" ``B-city`` and the next word "Island" ``I-country``: read word
by word, "Barnum Island" is then neither a city nor a country, and "Barnum" alone looks
like the best city. Read as a chain, only label sequences a BIO reader would write count
(``I-x`` follows ``B-x`` or ``I-x``), each weighed by the product of its words'
probabilities. Forward-backward over that chain gives every span and every "begins here"
its probability among the valid readings, which keeps a name whole when the tagger is
unsure only of its type. The tagger is unchanged; only the reading of its output is.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class LabelColumns:
    """Where each argument path's ``B-`` and ``I-`` labels sit among a tagger's labels."""

    outside: int
    begin: np.ndarray
    """Column of ``B-path``, one per path."""
    inside: np.ndarray
    """Column of ``I-path``, one per path (-1 where the tagger has none)."""
    paths: dict[str, int]
    """Row of each path in ``begin`` and ``inside``."""

    @classmethod
    def of(cls, index: dict[str, int], outside: str = "O") -> LabelColumns:
        """The columns of a tagger's ``label -> column`` index."""
        names = sorted(name[2:] for name in index if name.startswith("B-"))
        return cls(
            outside=index[outside],
            begin=np.array([index["B-" + p] for p in names], dtype=np.int64),
            inside=np.array([index.get("I-" + p, -1) for p in names], dtype=np.int64),
            paths={p: k for k, p in enumerate(names)},
        )


class BioChain:
    """Forward-backward over the valid BIO readings of one message (scaled, float64)."""

    def __init__(self, probs: np.ndarray, cols: LabelColumns) -> None:
        self.cols = cols
        self.e = self._emissions(probs, cols)
        self.alpha, self.scale = self._forward(self.e)
        self.beta, self.free = self._backward()

    @staticmethod
    def _emissions(probs: np.ndarray, cols: LabelColumns) -> np.ndarray:
        """Each word's probability of O, of every ``B-``, of every ``I-``, in that order."""
        n = len(cols.begin)
        e = np.zeros((len(probs), 1 + 2 * n))
        p = probs.astype(np.float64)
        e[:, 0] = p[:, cols.outside]
        e[:, 1 : 1 + n] = p[:, cols.begin]
        has_inside = cols.inside >= 0
        e[:, 1 + n :][:, has_inside] = p[:, cols.inside[has_inside]]
        return np.maximum(e, 1e-12)

    def _forward(self, e: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n = len(self.cols.begin)
        alpha = np.zeros_like(e)
        scale = np.ones(len(e))
        for t in range(len(e)):
            a = e[t].copy()
            if t == 0:
                a[1 + n :] = 0.0  # nothing to continue at the first word
            else:  # O and B- follow anything; I-x follows B-x or I-x
                prev = alpha[t - 1]
                a[1 + n :] *= prev[1 : 1 + n] + prev[1 + n :]
            scale[t] = a.sum()
            alpha[t] = a / scale[t]
        return alpha, scale

    def _backward(self) -> tuple[np.ndarray, np.ndarray]:
        """Scaled backward messages, and for each word the weight of what may follow it
        without continuing its span (an O or a B- next, or the end)."""
        n = len(self.cols.begin)
        e, scale = self.e, self.scale
        beta = np.ones_like(e)
        free = np.ones(len(e))
        for t in range(len(e) - 2, -1, -1):
            w = e[t + 1] * beta[t + 1]
            free[t] = (w[0] + w[1 : 1 + n].sum()) / scale[t + 1]
            b = np.full(e.shape[1], free[t])
            cont = w[1 + n :] / scale[t + 1]
            b[1 : 1 + n] += cont
            b[1 + n :] += cont
            beta[t] = b
        return beta, free

    @property
    def log_z(self) -> float:
        """Log of the total weight of every valid reading."""
        return float(np.log(self.scale).sum())

    def begins(self, path: str) -> np.ndarray:
        """Per word, the probability that ``path`` begins there."""
        k = 1 + self.cols.paths[path]
        return self.alpha[:, k] * self.beta[:, k]

    def spans(self, path: str, max_words: int, min_prob: float) -> list[tuple[int, int, float]]:
        """Every word range ``(first, last, probability)`` of ``path`` at least ``min_prob`` likely.

        A range is not extended once the chance that the value runs on to its last word
        (the bound of every longer range) is below ``min_prob``.
        """
        k = self.cols.paths[path]
        n = len(self.cols.begin)
        found = []
        for first in range(len(self.e)):
            head = float(self.alpha[first, 1 + k])  # forward weight of opening here
            if head * self.beta[first, 1 + k] < min_prob:
                continue
            for last in range(first, min(len(self.e), first + max_words)):
                if last > first:
                    head *= self.e[last, 1 + n + k] / self.scale[last]
                    state = 1 + n + k
                else:
                    state = 1 + k
                if head * self.beta[last, state] < min_prob:
                    break
                p = head * self.free[last]
                if p >= min_prob:
                    found.append((first, last, float(p)))
        return found

    def absent(self, path: str) -> float:
        """Probability that no word begins ``path``: the weight of the readings without it."""
        e = self.e.copy()
        e[:, 1 + self.cols.paths[path]] = 1e-300
        _, scale = self._forward(e)
        return float(np.exp(np.log(scale).sum() - self.log_z))
