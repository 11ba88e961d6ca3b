"""The fast paths of the duplicate rules agree with the simple implementation, also when every
hash collides (forced by replacing the hash with a tiny one)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from toolkit.checks import events as ce
from toolkit.validate import validate

ARTICLES = Path(__file__).resolve().parents[1] / "data" / "articles"

row = st.fixed_dictionaries(
    {
        "id": st.sampled_from(["a", "b", "c", "d", "e", "f"]),
        "sentence": st.sampled_from(["3", "4"]),
        "date": st.sampled_from(["2023-02-06", "2023-02-07"]),
        "source": st.sampled_from(["RUSGOV", "MLIGOV"]),
        "target": st.sampled_from(["MLIGOV", "RUSGOV", None]),
        "code": st.sampled_from(["042", "043"]),
    }
)


def _write(tmp: Path, files: list[list[dict[str, str | None]]]) -> Path:
    data = tmp / "data"
    (data / "coded").mkdir(parents=True, exist_ok=True)
    if not (data / "articles").exists():
        (data / "articles").symlink_to(ARTICLES)
    for old in (data / "coded").glob("*"):
        old.unlink()
    for i, rows in enumerate(files):
        frame = pl.DataFrame(
            rows, schema=dict.fromkeys(("id", "sentence", "date", "source", "target", "code"), pl.String)
        )
        frame.with_columns(article=pl.lit("afp-2023-02-07-lavrov-mali"), method=pl.lit("rule")).write_parquet(
            data / "coded" / f"f{i % 2}{'.x' if i > 1 else ''}.parquet"
        )
    return data


def _duplicate_findings(data: Path) -> list[tuple[str, str, int, str]]:
    found = validate([data]).report.findings.filter(pl.col("rule").is_in(["E501", "E502", "E503"]))
    return sorted(found.select("rule", "file", "line", "event_id").iter_rows())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(files=st.lists(st.lists(row, min_size=0, max_size=12), min_size=1, max_size=3))
def test_forced_hash_collisions_change_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, files: list[list[dict[str, str | None]]]
) -> None:
    data = _write(tmp_path, files)
    normal = _duplicate_findings(data)
    with monkeypatch.context() as m:
        m.setattr(ce, "hash_expr", lambda e: e.hash() % 3)  # almost everything collides
        colliding = _duplicate_findings(data)
    assert colliding == normal


@settings(max_examples=40, deadline=None)
@given(values=st.lists(st.sampled_from(["x", "y", "z", "w", None]), max_size=30))
def test_repeated_is_a_superset_and_exact_without_collisions(values: list[str | None]) -> None:
    frame = pl.DataFrame({"v": values}, schema={"v": pl.String})
    simple = frame.select(pl.col("v").is_duplicated()).to_series().to_list()
    fast = frame.select(ce.repeated(pl.col("v"))).to_series().to_list()
    assert fast == simple
    with pytest.MonkeyPatch.context() as m:
        m.setattr(ce, "hash_expr", lambda e: e.hash() % 2)
        forced = frame.select(ce.repeated(pl.col("v"))).to_series().to_list()
    assert all(f or not s for f, s in zip(forced, simple, strict=True))  # never misses a duplicate
