"""The words of an exported file in the interface's language: column headers, the
sheet's name and coded values (segment, lifecycle, churn level, task status…), built
once per export on the GUI thread (or the command line's offscreen application) and
handed to `rm_desk.services.export`, which has no Qt."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from rm_desk.domain.model import (
    ChurnLevel,
    Lifecycle,
    Segment,
    TaskPriority,
    TaskSource,
    TaskStatus,
)
from rm_desk.services.export import ENGLISH_HEADERS, Wording
from ui import i18n, words


def _t(text: str) -> str:
    return QCoreApplication.translate("Export", text)


def headers() -> dict[str, str]:
    # Literal texts, so pyside6-lupdate finds them (context "Export").
    return {
        "cif": _t("CIF"),
        "name": _t("Name"),
        "segment": _t("Segment"),
        "lifecycle": _t("Lifecycle"),
        "aum": _t("AUM (CNY)"),
        "churn_level": _t("Churn risk"),
        "churn_score": _t("Leave probability"),
        "last_contact": _t("Last contact"),
        "next_task": _t("Next task"),
        "open_tasks": _t("Open tasks"),
        "tags": _t("Tags"),
        "owner": _t("Relationship manager"),
        "mobile": _t("Mobile"),
        "email": _t("E-mail"),
        "due": _t("Due"),
        "title": _t("Title"),
        "priority": _t("Priority"),
        "status": _t("Status"),
        "assignee": _t("Assignee"),
        "source": _t("Source"),
        "detail": _t("Detail"),
        "aum_at_risk": _t("AUM at risk (CNY)"),
        "trend": _t("Trend"),
        "reason": _t("Main reason"),
        "flag": _t("Flag"),
        "rm": _t("Relationship manager"),
        "customers": _t("Customers"),
        "overdue_tasks": _t("Overdue tasks"),
        "due_today": _t("Due today"),
        "red": _t("Red"),
        "amber": _t("Amber"),
        "visits_week": _t("Visits (week)"),
        "calls_week": _t("Calls (week)"),
        "visits_month": _t("Visits (month)"),
        "calls_month": _t("Calls (month)"),
        "list:book": _t("Customers"),
        "list:tasks": _t("Follow-ups"),
        "list:watchlist": _t("Churn watchlist"),
        "list:team": _t("Team"),
    }


def values() -> dict[str, str]:
    out: dict[str, str] = {}
    out.update({f"segment:{v.value}": words.segment(v) for v in Segment})
    out.update({f"lifecycle:{v.value}": words.lifecycle(v) for v in Lifecycle})
    out.update({f"level:{v.value}": words.churn_level(v) for v in ChurnLevel})
    out.update({f"status:{v.value}": words.task_status(v) for v in TaskStatus})
    out.update({f"priority:{int(v)}": words.task_priority(v) for v in TaskPriority})
    out.update({f"source:{v.value}": words.task_source(v) for v in TaskSource})
    out["flag:acknowledge"] = _t("Acknowledged")
    out["flag:dismiss"] = _t("Dismissed")
    return out


def wording() -> Wording:
    """The export's words in the language installed now (`ui.i18n`)."""
    found = headers()
    assert set(found) == set(ENGLISH_HEADERS)  # noqa: S101  (a new column needs its words)
    return Wording(
        headers=found, values=values(), reason=words.reason_text, lang=i18n.current_language()
    )
