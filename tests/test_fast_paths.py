"""The fast paths of the duplicate rules agree with the simple implementation, also when every
hash collides (forced by replacing the hash with a tiny one)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from toolkit.rules import duplicates as ce
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


@pytest.mark.slow  # make test-slow
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
def test_repeated_values_exact_with_and_without_collisions(values: list[str | None]) -> None:
    frame = pl.DataFrame({"v": values}, schema={"v": pl.String})
    want = sorted(frame.filter(pl.col("v").is_duplicated() & pl.col("v").is_not_null())["v"].unique().to_list())
    assert sorted(ce.repeated_values(frame.lazy(), "v").to_list()) == want
    with pytest.MonkeyPatch.context() as m:
        m.setattr(ce, "hash_expr", lambda e: e.hash() % 2)
        assert sorted(ce.repeated_values(frame.lazy(), "v").to_list()) == want


def _all_findings(data: Path, **kwargs: int) -> list[tuple[object, ...]]:
    found = validate([data], **kwargs).report.findings  # type: ignore[arg-type]
    return sorted(found.rows(), key=repr)


@pytest.mark.slow  # make test-slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    files=st.lists(st.lists(row, min_size=0, max_size=12), min_size=1, max_size=3),
    chunk_rows=st.integers(1, 7),
)
def test_findings_do_not_depend_on_chunks_or_spilling(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, files: list[list[dict[str, str | None]]], chunk_rows: int
) -> None:
    """Chunk boundaries anywhere, hashes spilled to disk, forced collisions: the same findings."""
    data = _write(tmp_path, files)
    whole = _all_findings(data)
    with monkeypatch.context() as m:
        m.setattr(ce, "BUFFER_ROWS", 2)
        m.setattr(ce, "hash_expr", lambda e: e.hash() % 5)
        assert _all_findings(data, chunk_rows=chunk_rows) == whole
