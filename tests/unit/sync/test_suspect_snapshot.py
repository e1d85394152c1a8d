"""The suspect-snapshot rule (sync.client.engine.SUSPECT_SHARE): a replacement that
would remove more than half of a non-empty replica's customers, with no scope change
recorded by the server, is refused."""

from __future__ import annotations

import pytest

from sync.client.engine import SUSPECT_SHARE, snapshot_is_suspect


@pytest.mark.parametrize(
    ("replica", "incoming", "scope_changed", "suspect"),
    [
        (10, 0, False, True),  # an emptied server
        (10, 4, False, True),  # 6 of 10 would go
        (10, 5, False, False),  # exactly half: not more than half
        (10, 10, False, False),
        (10, 30, False, False),  # a book that grew
        (10, 0, True, False),  # the server says the scope changed
        (0, 0, False, False),  # nothing here to lose
        (1, 0, False, True),
    ],
)
def test_suspect_snapshot_rule(
    replica: int, incoming: int, scope_changed: bool, suspect: bool
) -> None:
    assert SUSPECT_SHARE == 0.5
    assert snapshot_is_suspect(replica, incoming, scope_changed=scope_changed) is suspect
