"""The dependency audit step of `dev.py test`: which pip-audit findings fail the tests,
and the written-down exceptions (pip-audit-exceptions.toml) each with its reason."""

from __future__ import annotations

import importlib.util
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
TODAY = date(2026, 12, 2)


def _dev() -> ModuleType:
    spec = importlib.util.spec_from_file_location("rm_desk_dev_script", ROOT / "dev.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


dev = _dev()

VULN = {
    "id": "PYSEC-2026-1",
    "fix_versions": ["2.0.1"],
    "aliases": ["GHSA-aaaa-bbbb-cccc", "CVE-2026-0001"],
    "description": "",
}


def report(*deps: dict[str, Any]) -> dict[str, Any]:
    return {"dependencies": list(deps), "fixes": []}


def exception(vid: str = "GHSA-aaaa-bbbb-cccc", review_by: date = date(2027, 3, 31)) -> str:
    return (
        f'[[exception]]\nid = "{vid}"\npackage = "somelib"\n'
        f'reason = "only the XML parser is affected and RM Desk never parses XML"\n'
        f"review_by = {review_by.isoformat()}\n"
    )


def test_a_vulnerability_not_written_down_fails_and_is_named() -> None:
    ok, lines = dev.audit_verdict(
        report({"name": "somelib", "version": "2.0.0", "vulns": [VULN]}), {}, TODAY
    )
    assert not ok
    assert lines == [
        "pip-audit: somelib 2.0.0 has PYSEC-2026-1 (fixed in: 2.0.1); upgrade it, "
        "or write it down in pip-audit-exceptions.toml with the reason"
    ]


def test_a_clean_report_passes_quietly_and_our_editable_package_is_not_reported() -> None:
    clean = report(
        {"name": "somelib", "version": "2.0.1", "vulns": []},
        {"name": "rm-desk", "skip_reason": "distribution marked as editable"},
    )
    assert dev.audit_verdict(clean, {}, TODAY) == (True, [])


def test_a_written_down_exception_passes_by_any_of_its_ids() -> None:
    found = report({"name": "somelib", "version": "2.0.0", "vulns": [VULN]})
    for vid in ("PYSEC-2026-1", "GHSA-aaaa-bbbb-cccc", "CVE-2026-0001"):
        written = dev.audit_exceptions(exception(vid))
        assert dev.audit_verdict(found, written, TODAY) == (True, [])


def test_exceptions_past_review_or_no_longer_needed_are_said() -> None:
    found = report({"name": "somelib", "version": "2.0.0", "vulns": [VULN]})
    due = dev.audit_exceptions(exception(review_by=date(2026, 12, 1)))
    assert dev.audit_verdict(found, due, TODAY) == (
        True,
        ["pip-audit: exception GHSA-aaaa-bbbb-cccc (somelib) was due for review on 2026-12-01"],
    )
    fixed = report({"name": "somelib", "version": "2.0.1", "vulns": []})
    assert dev.audit_verdict(fixed, due, TODAY) == (
        True,
        ["pip-audit: exception GHSA-aaaa-bbbb-cccc (somelib) no longer needed"],
    )


def test_packages_pypi_could_not_tell_about_are_said() -> None:
    unknown = {"name": "private-lib", "skip_reason": "Dependency not found on PyPI"}
    some = report({"name": "somelib", "version": "2.0.1", "vulns": []}, unknown)
    assert dev.audit_verdict(some, {}, TODAY) == (
        True, ["pip-audit: 1 package(s) unknown to PyPI, not audited: private-lib"])  # fmt: skip
    ok, [line] = dev.audit_verdict(report(unknown), {}, TODAY)
    assert ok
    assert "nothing was audited" in line


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (exception().replace('reason = "only', 'reason = "" #'), "`reason` must be written down"),
        (exception().replace("package", "pkg"), "`package` must be written down"),
        (exception().replace("review_by = 2027-03-31", 'review_by = "soon"'), "must be a date"),
        ("[[exception]\n", "pip-audit-exceptions.toml"),
    ],
)
def test_an_exception_without_its_reason_or_review_date_is_refused(text: str, problem: str) -> None:
    with pytest.raises(dev.AuditError, match=problem):
        dev.audit_exceptions(text)


def test_the_projects_exceptions_file_is_well_formed() -> None:
    text = (ROOT / "pip-audit-exceptions.toml").read_text(encoding="utf-8")
    for entry in dev.audit_exceptions(text).values():
        assert entry["reason"].strip()
