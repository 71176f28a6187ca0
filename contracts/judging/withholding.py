"""Values kept as evidence, asked of the redactor in batches: a member whose value the redactor changes keeps none.

A target's text may carry a credential that only the redactor knows (a token echoed back, a cookie it set), so
every value kept from a body is asked of it before it can reach an output. A redactor's cost is mostly per call
(it looks for every form of every secret), so the texts kept wait and are asked at once, a NUL between them
(no secret's form holds one), when enough have gathered, when another redactor is to judge the next ones, or
when the evidence is read. Only when it masks something are the texts asked one by one. A text shorter than any
secret is never asked: no form of a secret fits in it. Answers are remembered for short texts.
"""

from __future__ import annotations

from collections.abc import Callable

from contracts.core.credentials import MIN_SECRET_LENGTH
from contracts.judging.evidence_form import PathEvidence

BATCH = 64 * 1024  # characters of kept text that wait for one redactor pass
MEMO = 4096  # texts whose answer is remembered...
MEMO_LENGTH = 256  # ...no longer than this


class Withholding:
    """The texts kept since the redactor was last asked, and what it said of those asked before."""

    def __init__(self) -> None:
        self._pending: list[tuple[PathEvidence, str]] = []
        self._size = 0
        self._clean: Callable[[str], str] | None = None
        self._changed: dict[str, bool] = {}  # text -> whether the redactor changed it

    def judged_by(self, clean: Callable[[str], str]) -> None:
        """The redactor the next texts are for; what another one was to judge, it judges first."""
        if clean is not self._clean:
            self.settle()
            self._clean = clean

    def changed(self, text: str) -> bool:
        """Whether the redactor changed `text` when it was last asked (False for one not asked yet)."""
        return self._changed.get(text, False)

    def keep(self, entry: PathEvidence, text: str) -> None:
        """`text` was kept at `entry`: withhold everything of it should the redactor change the text."""
        if len(text) < MIN_SECRET_LENGTH or text in self._changed:
            return
        self._pending.append((entry, text))
        self._size += len(text) + 1
        if self._size >= BATCH:
            self.settle()

    def settle(self) -> None:
        """Ask the redactor about every text waiting; withhold the values of each entry whose text it changes."""
        if not self._pending:
            return
        clean, pending = self._clean, self._pending
        self._pending, self._size = [], 0
        assert clean is not None
        texts = list(dict.fromkeys(text for _, text in pending))
        joined = "\x00".join(texts)
        changed = set() if clean(joined) == joined else {text for text in texts if clean(text) != text}
        for text in texts:
            if len(text) <= MEMO_LENGTH:
                self._changed = {} if len(self._changed) >= MEMO else self._changed
                self._changed[text] = text in changed
        for entry, text in pending:
            if text in changed:
                entry.withhold()
