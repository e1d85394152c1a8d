"""The import rules of ARCHITECTURE §1, checked with import-linter.

The contracts live in pyproject.toml; this test runs them on the real code, and
runs the same contracts on a tiny throwaway project that breaks each rule, to
prove the contracts would catch a violation.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT = Path(sys.executable).parent / "lint-imports"


def _contracts() -> dict[str, Any]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return dict(config["tool"]["importlinter"])


def test_contracts_cover_every_rule() -> None:
    names = [c["name"] for c in _contracts()["contracts"]]
    assert len(names) >= 5
    contracts: list[dict[str, Any]] = _contracts()["contracts"]
    sources = {tuple(c["source_modules"]) for c in contracts if "source_modules" in c}
    assert ("rm_desk.domain",) in sources
    assert ("local_store", "sync") in sources
    assert ("sync.server",) in sources
    assert ("ui",) in sources
    assert any(c["type"] == "acyclic_siblings" and c["ancestors"] == ["sync"] for c in contracts)
    assert ("rm_desk.services",) in sources


def test_real_code_keeps_the_import_rules() -> None:
    result = subprocess.run(
        [str(LINT), "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


VIOLATIONS = {
    "rm_desk/domain/bad.py": "import local_store.x\n",
    "local_store/bad.py": "import PySide6\n",
    "sync/server/bad.py": "import local_store.x\n",
    "ui/bad.py": "import sqlalchemy\n",
    "ui/bad_sync.py": "import sync.client\n",
    "rm_desk/services/bad.py": "import sync.server\n",
    "rm_desk/services/bad_sql.py": "from sqlalchemy import Connection\n",
}


@pytest.mark.parametrize(("path", "source"), VIOLATIONS.items())
def test_contracts_catch_a_violation(tmp_path: Path, path: str, source: str) -> None:
    result = _lint(tmp_path, {path: source})
    assert result.returncode != 0, result.stdout
    assert "BROKEN" in result.stdout


def test_the_cycle_contract_catches_a_cycle_in_sync(tmp_path: Path) -> None:
    result = _lint(
        tmp_path,
        {
            "sync/server/push.py": "import sync.server.pull\n",
            "sync/server/pull.py": "import sync.server.push\n",
        },
    )
    assert result.returncode != 0, result.stdout
    assert "no import cycles in sync BROKEN" in result.stdout


def _lint(tmp_path: Path, files: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """import-linter with the project's contracts over a throwaway tree holding `files`."""
    for package in (
        "rm_desk",
        "rm_desk/domain",
        "rm_desk/services",
        "rm_desk/demo",
        "local_store",
        "sync",
        "sync/server",
        "sync/client",
        "ui",
    ):
        (tmp_path / package).mkdir(parents=True, exist_ok=True)
        (tmp_path / package / "__init__.py").write_text("")
    (tmp_path / "rm_desk" / "cli.py").write_text("")
    (tmp_path / "local_store" / "x.py").write_text("")
    for path, source in files.items():
        (tmp_path / path).write_text(source)
    lines = [
        "[importlinter]",
        "root_packages =",
        *[f"    {p}" for p in _contracts()["root_packages"]],
        "include_external_packages = True",
        "",
    ]
    for i, contract in enumerate(_contracts()["contracts"]):
        lines.append(f"[importlinter:contract:{i}]")
        for key, value in contract.items():
            if isinstance(value, list):
                lines.append(f"{key} =")
                lines.extend(f"    {v}" for v in value)
            else:
                lines.append(f"{key} = {value}")
        lines.append("")
    (tmp_path / ".importlinter").write_text("\n".join(lines))
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    return subprocess.run(
        [str(LINT), "--no-cache"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


# --- no import cycles ---------------------------------------------------------------------

PACKAGES = ("rm_desk", "local_store", "sync", "ui")


def import_cycles(
    packages: tuple[str, ...], allowed: frozenset[tuple[str, str]] = frozenset()
) -> list[list[str]]:
    """Every group of modules inside `packages` that import each other in a circle (the
    strongly connected components with more than one module, or a module importing
    itself), by grimp's graph of the real imports (function-level ones included),
    ignoring the `allowed` (importer, imported) edges."""
    import grimp  # noqa: PLC0415  (ships with import-linter; only this test needs it)

    graph = grimp.build_graph(*packages, cache_dir=None)
    modules = sorted(graph.modules)
    edges = {
        m: sorted(
            n
            for n in graph.find_modules_directly_imported_by(m)
            if n in graph.modules and (m, n) not in allowed
        )
        for m in modules
    }
    # Tarjan's algorithm, iterative.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    for root in modules:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            if i < len(edges[node]):
                work.append((node, i + 1))
                nxt = edges[node][i]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            if work:  # back in the caller: pass the low link up
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1 or node in edges[node]:
                    cycles.append(sorted(group))
    return sorted(cycles)


def test_no_import_cycles_in_our_packages() -> None:
    cycles = import_cycles(PACKAGES)
    assert cycles == [], f"modules importing each other in a circle: {cycles}"


def test_the_cycle_check_finds_a_cycle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "circle"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from circle import b\n")
    (package / "b.py").write_text("def f() -> None:\n    from circle import c  # noqa\n")
    (package / "c.py").write_text("import circle.a\n")
    (package / "d.py").write_text("import circle.a\n")  # imports into the circle: not in it
    (package / "e.py").write_text("import circle.f\n")
    (package / "f.py").write_text("import circle.e\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert import_cycles(("circle",)) == [
        ["circle.a", "circle.b", "circle.c"],
        ["circle.e", "circle.f"],
    ]
    allowed = frozenset({("circle.e", "circle.f")})
    assert import_cycles(("circle",), allowed) == [["circle.a", "circle.b", "circle.c"]]


# --- services hold no SQL (ARCHITECTURE §1: repositories in local_store do) ----------

SERVICES = ROOT / "rm_desk" / "services"
_SQL_TEXT = re.compile(
    r"\bSELECT\b[\s\S]*\bFROM\b|\bINSERT\s+(?:OR\s+[A-Z]+\s+)?INTO\b|\bUPDATE\b[\s\S]*\bSET\b"
    r"|\bDELETE\s+FROM\b|\b(?:CREATE|DROP|ALTER)\s+(?:TABLE|INDEX|TRIGGER|VIEW)\b|\bPRAGMA\b"
    r"|\b(?:ORDER|GROUP)\s+BY\b"
)
_SQL_CALLS = frozenset({"exec_driver_sql", "execute", "executemany", "executescript"})
_SQL_MODULES = frozenset({"sqlalchemy", "sqlcipher3", "sqlite3"})


def sql_in(source: str) -> list[str]:
    """What in a module's source is SQL: SQL text in a string (an f-string's fixed
    parts read as one text), a call that runs SQL, an import of a database library."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        line = getattr(node, "lineno", 0)
        text = None
        if isinstance(node, ast.JoinedStr):
            text = " ? ".join(
                v.value
                for v in node.values
                if isinstance(v, ast.Constant) and isinstance(v.value, str)
            )
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
        if text is not None and _SQL_TEXT.search(text):
            found.append(f"line {line}: SQL text {text[:60]!r}")
        call = node.func if isinstance(node, ast.Call) else None
        if isinstance(call, ast.Attribute) and call.attr in _SQL_CALLS:
            found.append(f"line {line}: .{call.attr}(...)")
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            names = []
        found.extend(f"line {line}: import {n}" for n in names if n.split(".")[0] in _SQL_MODULES)
    return found


def test_services_hold_no_sql() -> None:
    modules = sorted(SERVICES.rglob("*.py"))
    assert len(modules) > 10  # the scan reads the real package
    found = {str(m.relative_to(ROOT)): sql_in(m.read_text(encoding="utf-8")) for m in modules}
    assert {m: f for m, f in found.items() if f} == {}


def test_the_sync_client_holds_no_sql() -> None:
    """The sync client reaches the store through local_store's repositories (it may
    catch SQLAlchemy's errors and type its connections, nothing more)."""
    modules = sorted((ROOT / "sync" / "client").rglob("*.py"))
    assert len(modules) >= 4
    found = {
        str(m.relative_to(ROOT)): [
            f for f in sql_in(m.read_text(encoding="utf-8")) if "import sqlalchemy" not in f
        ]
        for m in modules
    }
    assert {m: f for m, f in found.items() if f} == {}


@pytest.mark.parametrize(
    "source",
    [
        'conn.exec_driver_sql("SELECT 1")\n',
        'SQL = "SELECT name FROM customers WHERE id = ?"\n',
        'SQL = f"SELECT {cols} FROM tasks"\n',
        'SQL = ("UPDATE conflicts "\n       "SET resolved = ? WHERE id = ?")\n',
        'SQL = "DELETE FROM tasks WHERE id = ?"\n',
        'SQL = "INSERT OR IGNORE INTO meta(key, value) VALUES (?, ?)"\n',
        'ORDER = "c.churn_score DESC, c.pk"\nSQL = "x ORDER BY c.pk"\n',
        "from sqlalchemy import Connection\n",
        "import sqlite3\n",
        "rows = cursor.executemany(sql, rows)\n",
    ],
)
def test_the_sql_scan_catches_sql(source: str) -> None:
    assert sql_in(source)


def test_the_sql_scan_leaves_prose_alone() -> None:
    prose = (
        '"""Select a customer from the book; update the task and set its outcome."""\n'
        'MESSAGE = "Delete this task? The order of the list stays."\n'
        "from local_store import Connection, records\n"
        "records.delete_tasks(conn, [task_id])\n"
    )
    assert sql_in(prose) == []
