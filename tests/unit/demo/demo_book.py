"""Every row of a demo bank in lists, for the demo tests."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from rm_desk.demo import DemoBank
from rm_desk.domain.model import (
    Customer,
    FollowUpTask,
    Holding,
    Interaction,
    MonthlySnapshot,
)


@dataclass
class Book:
    """Every row of a demo bank, and each customer's rows."""

    bank: DemoBank
    customers: list[Customer] = field(default_factory=list)
    holdings: list[Holding] = field(default_factory=list)
    snapshots: list[MonthlySnapshot] = field(default_factory=list)
    interactions: list[Interaction] = field(default_factory=list)
    tasks: list[FollowUpTask] = field(default_factory=list)

    def __post_init__(self) -> None:
        for chunk in self.bank.chunks():
            self.customers += chunk.customers
            self.holdings += chunk.holdings
            self.snapshots += chunk.snapshots
            self.interactions += chunk.interactions
            self.tasks += chunk.tasks

    def snapshots_by_customer(self) -> dict[str, list[MonthlySnapshot]]:
        grouped: dict[str, list[MonthlySnapshot]] = defaultdict(list)
        for snapshot in self.snapshots:
            grouped[snapshot.customer_id].append(snapshot)
        return grouped

    def holdings_by_customer(self) -> dict[str, list[Holding]]:
        grouped: dict[str, list[Holding]] = defaultdict(list)
        for holding in self.holdings:
            grouped[holding.customer_id].append(holding)
        return grouped
