"""Three-way merge of document text, line by line: what changed from a common base on each side is kept;
where both sides changed the same lines differently, the result holds both, marked, and the conflict is
listed. Nothing either side changed is dropped silently."""

from __future__ import annotations

from dataclasses import dataclass, field
from difflib import SequenceMatcher

MINE_MARK = "<<<<<<< your version"
SPLIT_MARK = "======="
THEIRS_MARK = ">>>>>>> the other version"


@dataclass(frozen=True)
class Conflict:
    line: int  # 1-based line of the conflict's first marker in the merged text
    mine: tuple[str, ...]
    theirs: tuple[str, ...]


@dataclass
class Merged:
    text: str
    conflicts: list[Conflict] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.conflicts


@dataclass(frozen=True)
class _Hunk:
    start: int  # base lines [start, end) are replaced by `lines`
    end: int
    lines: tuple[str, ...]


def _hunks(base: list[str], other: list[str]) -> list[_Hunk]:
    matcher = SequenceMatcher(None, base, other, autojunk=False)
    return [
        _Hunk(i1, i2, tuple(other[j1:j2])) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"
    ]


def _touch(a: _Hunk, b: _Hunk) -> bool:
    """Two changes that concern the same base lines (or insert at the same point) must be merged by a person
    unless they are identical."""
    if a.start == b.start:
        return True
    return max(a.start, b.start) < min(a.end, b.end) or (
        (a.start == a.end and b.start < a.start < b.end) or (b.start == b.end and a.start < b.start < a.end)
    )


def merge3(base: str, theirs: str, mine: str) -> Merged:
    """Merge `mine` and `theirs`, both edited from `base`."""
    if mine == theirs:
        return Merged(mine)
    if theirs == base:
        return Merged(mine)
    if mine == base:
        return Merged(theirs)
    b, t, m = base.splitlines(), theirs.splitlines(), mine.splitlines()
    tagged = sorted(
        [(h, "theirs") for h in _hunks(b, t)] + [(h, "mine") for h in _hunks(b, m)],
        key=lambda x: (x[0].start, x[0].end),
    )
    # Group changes that touch one another (transitively) into one region of the base.
    groups: list[list[tuple[_Hunk, str]]] = []
    for hunk, side in tagged:
        if groups and any(_touch(hunk, other) for other, _s in groups[-1]):
            groups[-1].append((hunk, side))
        else:
            groups.append([(hunk, side)])
    out: list[str] = []
    conflicts: list[Conflict] = []
    position = 0
    for group in groups:
        start = min(h.start for h, _s in group)
        end = max(h.end for h, _s in group)
        out += b[position:start]
        sides = {s for _h, s in group}
        if len(sides) == 1:
            out += _apply(b, start, end, [h for h, _s in group])
        else:
            theirs_lines = _apply(b, start, end, [h for h, s in group if s == "theirs"])
            mine_lines = _apply(b, start, end, [h for h, s in group if s == "mine"])
            if theirs_lines == mine_lines:
                out += mine_lines
            else:
                conflicts.append(Conflict(len(out) + 1, tuple(mine_lines), tuple(theirs_lines)))
                out += [MINE_MARK, *mine_lines, SPLIT_MARK, *theirs_lines, THEIRS_MARK]
        position = end
    out += b[position:]
    text = "\n".join(out)
    if mine.endswith("\n") or theirs.endswith("\n"):
        text += "\n"
    return Merged(text, conflicts)


def _apply(base: list[str], start: int, end: int, hunks: list[_Hunk]) -> list[str]:
    """Base lines [start, end) with one side's changes applied."""
    out: list[str] = []
    position = start
    for hunk in sorted(hunks, key=lambda h: (h.start, h.end)):
        out += base[position : hunk.start]
        out += list(hunk.lines)
        position = max(position, hunk.end)
    out += base[position:end]
    return out


def has_markers(text: str) -> bool:
    return any(line.startswith((MINE_MARK, THEIRS_MARK)) for line in text.splitlines())
