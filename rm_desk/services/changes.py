"""What a write changed, so each view can decide whether to refresh."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Changes:
    customers: frozenset[str] = field(default_factory=frozenset)  # CIFs touched
    book: bool = False  # list-level columns changed (sort/filter may move rows)
    interactions: bool = False
    tasks: bool = False
    drafts: bool = False
    outbox: bool = False
    churn: bool = False
    everything: bool = False  # after a sync reset or a bulk load

    def __or__(self, other: Changes) -> Changes:
        return Changes(
            customers=self.customers | other.customers,
            book=self.book or other.book,
            interactions=self.interactions or other.interactions,
            tasks=self.tasks or other.tasks,
            drafts=self.drafts or other.drafts,
            outbox=self.outbox or other.outbox,
            churn=self.churn or other.churn,
            everything=self.everything or other.everything,
        )
