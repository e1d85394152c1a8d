"""`rm-desk-central churn train|evaluate|publish`: figures, files and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import create_engine, select

from rm_desk.domain.churn import additive
from sync.server import schema
from sync.server.cli import main


def _csv(path: Path, n: int = 400, seed: int = 1) -> Path:
    rng = np.random.default_rng(seed)
    balance = rng.normal(100, 30, n)
    inactive = rng.integers(0, 6, n)
    logit = -1.5 + 0.6 * inactive - 0.02 * (balance - 100)
    churned = rng.random(n) < 1 / (1 + np.exp(-logit))
    frame = pd.DataFrame(
        {
            "id": np.arange(n),
            "balance": balance,
            "months_inactive": inactive,
            "card": rng.choice(["blue", "gold", "silver"], n),
            "status": np.where(churned, "Attrited", "Existing"),
        }
    )
    frame.loc[::17, "balance"] = np.nan
    frame.to_csv(path, index=False)
    return path


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'central.db'}"


def test_evaluate_json_with_baseline(
    tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _csv(tmp_path / "d.csv")
    code, out, err = _run(
        ["--db", db_url, "churn", "evaluate", "--csv", str(data), "--label", "status",
         "--positive", "Attrited", "--drop", "id", "--cv", "3", "--baseline", "--json"],
        capsys,
    )  # fmt: skip
    assert code == 0, err
    figures = json.loads(out)
    for key in ("auc", "pr_auc", "baseline_auc", "top_decile_lift", "calibration", "red", "amber"):
        assert key in figures
    assert len(figures["fold_auc"]) == 3
    assert 0.6 < figures["auc"] <= 1.0
    assert abs(figures["auc"] - figures["baseline_auc"]) < 0.1
    assert {"recall", "precision", "threshold"} <= set(figures["red"])


def test_train_writes_a_model_that_evaluate_reads(
    tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _csv(tmp_path / "d.csv")
    model_path = tmp_path / "m.json"
    code, out, err = _run(
        ["--db", db_url, "churn", "train", "--csv", str(data), "--label", "status",
         "--positive", "Attrited", "--drop", "id", "--out", str(model_path)],
        capsys,
    )  # fmt: skip
    assert code == 0, err
    assert "wrote" in out
    model = additive.load_model(model_path.read_text())
    assert set(model.features) == {"balance", "months_inactive", "card"}
    code, out, err = _run(
        ["--db", db_url, "churn", "evaluate", "--csv", str(data), "--label", "status",
         "--positive", "Attrited", "--model", str(model_path), "--json"],
        capsys,
    )  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["model"] == model.version
    # A CSV model needs features clients cannot compute: publishing refuses it.
    code, out, err = _run(["--db", db_url, "churn", "publish", str(model_path)], capsys)
    assert code == 1
    assert "cannot compute" in err
    with create_engine(db_url).connect() as conn:
        assert conn.execute(select(schema.churn_models)).first() is None


def _bad(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        ("a,b\n1,2\n", ["--label", "status"], "no label column 'status'"),
        ("a,status\n1,0\n2,0\n3,0\n", ["--label", "status"], "single class"),
        ("a,status\n1,x\n2,y\n", ["--label", "status", "--positive", "z"], "single class"),
        ("a,status\n", ["--label", "status"], "no data rows"),
        ("", ["--label", "status"], "is empty"),
        ("a,b,status\n1,,1\n2,,0\n3,,1\n", ["--label", "status"], "no values at all: b"),
        (
            "a,status\n1,1\n2,0\nthree,1\n4,0\n5,1\n",
            ["--label", "status"],
            "column 'a' is numeric but has non-numeric values",
        ),  # fmt: skip
        ("a,status\n1,yes\n2,no\n", ["--label", "status"], "--positive"),
        ("a,status\n1,1\n2,0\n", ["--label", "status", "--drop", "nope"], "--drop names"),
    ],
)
def test_bad_input_is_one_clear_line(
    tmp_path: Path,
    db_url: str,
    capsys: pytest.CaptureFixture[str],
    content: str,
    args: list[str],
    message: str,
) -> None:
    data = _bad(tmp_path, "bad.csv", content)
    for command in (["churn", "train", "--out", str(tmp_path / "m.json")], ["churn", "evaluate"]):
        code, out, err = _run(["--db", db_url, *command, "--csv", str(data), *args], capsys)
        assert code == 1
        assert out == ""
        assert message in err
        assert err.startswith("rm-desk-central: error: ")
        assert err.count("\n") == 1
        assert "Traceback" not in err


def test_missing_file_and_bad_model(
    tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(
        ["--db", db_url, "churn", "evaluate", "--csv", str(tmp_path / "none.csv"), "--label", "x"],
        capsys,
    )
    assert code == 1
    assert "no such file" in err
    bad_model = _bad(
        tmp_path, "m.json", json.dumps({"format": additive.FORMAT, "format_version": 9})
    )
    code, _, err = _run(["--db", db_url, "churn", "publish", str(bad_model)], capsys)
    assert code == 1
    assert "format version 9 is not supported" in err
    assert err.count("\n") == 1


def test_baseline_without_scikit_learn_is_one_line(
    tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys  # noqa: PLC0415

    monkeypatch.setitem(sys.modules, "sklearn.ensemble", None)  # import fails as if absent
    data = _csv(tmp_path / "d.csv", n=200)
    code, out, err = _run(
        ["--db", db_url, "churn", "evaluate", "--csv", str(data), "--label", "status",
         "--positive", "Attrited", "--cv", "2", "--baseline"],
        capsys,
    )  # fmt: skip
    assert code == 1
    assert out == ""
    assert "--baseline needs scikit-learn" in err
    assert err.count("\n") == 1
