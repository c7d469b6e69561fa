"""The review queue: the documents whose newest version waits for a decision, in the order to take them."""

from __future__ import annotations

from assistant.knowledge.loader import Corpus
from assistant.store.service import DocumentStatus

# Waiting for a reviewer first; drafts next; a document with changes requested waits for its author.
_ORDER = {"in_review": 0, "draft": 1, "changes_requested": 2}


def review_queue(overview: list[DocumentStatus], corpus: Corpus) -> list[DocumentStatus]:
    """Documents whose newest version is not approved: in review, then drafts, then those sent back; the
    mandatory documents first within each, then in catalogue order."""
    catalogue = sorted(corpus.documents.values(), key=lambda d: (not d.mandatory, d.id))
    rank = {d.id: i for i, d in enumerate(catalogue)}
    waiting = [d for d in overview if d.latest.status in _ORDER]
    return sorted(waiting, key=lambda d: (_ORDER[d.latest.status], rank.get(d.id, len(rank)), d.id))


def next_after(queue: list[DocumentStatus], current: str) -> str | None:
    """The queue's document after `current` (the first when `current` is not queued; None when empty)."""
    ids = [d.id for d in queue]
    if not ids:
        return None
    if current not in ids:
        return ids[0]
    following = ids[ids.index(current) + 1 :] + ids[: ids.index(current)]
    return following[0] if following else None
