"""Test doubles for the core's seams (never used by the product itself)."""

from __future__ import annotations

import hashlib
import math
import re


class HashingEmbedder:
    """Deterministic bag-of-words vectors: fast, offline, and similar texts get similar vectors."""

    def __init__(self, name: str = "test/hashing", dims: int = 64, fail_after: int | None = None) -> None:
        self.name = name
        self.dims = dims
        self.calls = 0
        self.texts = 0
        self.fail_after = fail_after

    def embed(self, texts: list[str]) -> list[list[float]]:
        self.calls += 1
        if self.fail_after is not None and self.calls > self.fail_after:
            raise RuntimeError("embedding backend crashed")
        self.texts += len(texts)
        return [self._vector(t) for t in texts]

    def _vector(self, text: str) -> list[float]:
        vec = [0.0] * self.dims
        for token in re.findall(r"[a-z0-9]+", text.lower()):
            vec[int(hashlib.md5(token.encode()).hexdigest(), 16) % self.dims] += 1.0
        norm = math.sqrt(sum(v * v for v in vec)) or 1.0
        return [v / norm for v in vec]
