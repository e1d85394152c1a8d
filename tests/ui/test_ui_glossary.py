"""The Chinese translation follows the glossary (resources/translations/glossary.md):
one term per concept, never a word the glossary rules out (#17 item 6)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

TRANSLATIONS = Path(__file__).resolve().parents[2] / "resources" / "translations"


def glossary() -> list[tuple[str, str, list[str]]]:
    rows = []
    for line in (TRANSLATIONS / "glossary.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or cells[0] in ("English", "---") or set(cells[0]) <= {"-"}:
            continue
        avoid = [w.strip() for w in cells[2].split(",") if w.strip()]
        rows.append((cells[0], cells[1], avoid))
    assert len(rows) >= 10, "the glossary table was not read"
    return sorted(rows, key=lambda r: -len(r[0]))  # longer terms first


def translations() -> dict[str, str]:
    out: dict[str, str] = {}
    for path in sorted(TRANSLATIONS.glob("zh_CN.*.json")):
        for context, texts in json.loads(path.read_text(encoding="utf-8")).items():
            for source, target in texts.items():
                out[f"{path.name} {context}: {source}"] = target
    return out


def test_no_translation_uses_a_word_the_glossary_rules_out() -> None:
    found = [
        (where, word)
        for where, text in translations().items()
        for _term, _zh, avoid in glossary()
        for word in avoid
        if word in text
    ]
    assert found == []


@pytest.mark.parametrize("term", [row[0] for row in glossary()])
def test_every_text_with_a_term_uses_its_chinese(term: str) -> None:
    rows = glossary()
    zh = next(z for t, z, _ in rows if t == term)
    longer = [(t, z) for t, z, _ in rows if len(t) > len(term) and term.lower() in t.lower()]
    pattern = re.compile(rf"\b{re.escape(term)}", re.IGNORECASE)
    wrong = []
    for where, text in translations().items():
        source = where.split(": ", 1)[1]
        for phrase, _ in longer:  # "risk profile" is its own concept, not a "profile"
            source = re.sub(re.escape(phrase), "", source, flags=re.IGNORECASE)
        if pattern.search(source) and zh not in text:
            wrong.append((where, text))
    assert wrong == [], f"{term} should read {zh}"
