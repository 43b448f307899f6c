"""Message tokens with their character offsets, and where words start and end.

The generator copies argument values as runs of message tokens; these helpers tie
each token back to the characters it covers so a chosen run can be read as text.
"""

from __future__ import annotations

from dataclasses import dataclass

from tokenizers import Tokenizer

_OPEN = set("\"'`“‘([{:,#")
_CLOSE = set("\"'`”’)]}>.,;:!?")


@dataclass(frozen=True)
class Piece:
    """One message token: its id and the characters ``[start, end)`` it stands for."""

    id: int
    start: int
    end: int


def pieces_of(tok: Tokenizer, text: str, *, limit: int = 96) -> list[Piece]:
    """Tokenise ``text`` as GPT-2 does mid-sentence (with a leading space)."""
    enc = tok.encode(" " + text, add_special_tokens=False)
    found = []
    for tid, (a, b) in zip(enc.ids, enc.offsets, strict=True):
        a, b = max(a - 1, 0), max(b - 1, 0)
        while a < b and text[a].isspace():
            a += 1
        found.append(Piece(tid, a, max(a, b)))
    return found[:limit]


def is_word_start(text: str, i: int) -> bool:
    """A value may begin at character ``i`` (not inside a word, not on a space or comma)."""
    if i >= len(text) or text[i].isspace() or text[i] in ",.;:!?)>":
        return False
    return i == 0 or text[i - 1].isspace() or text[i - 1] in _OPEN


def is_word_end(text: str, i: int) -> bool:
    """A value may end before character ``i`` (not inside a word)."""
    if i <= 0 or text[i - 1].isspace():
        return False
    return i >= len(text) or text[i].isspace() or text[i] in _CLOSE
