"""Without pyspark or without Java, ``--engine spark`` exits 2 with what to install (no JVM is
started: these run in plain ``make test``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from toolkit import spark_engine

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def no_session(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spark_engine, "_SESSIONS", {})


@pytest.mark.parametrize(
    "command", [["validate", "data"], ["release", "check", str(REPO / "data" / "releases" / "0.2.0")]]
)
def test_without_pyspark(
    no_session: None, monkeypatch: pytest.MonkeyPatch, data_dir: Path, evtk, command
) -> None:
    monkeypatch.setitem(sys.modules, "pyspark.sql", None)  # import fails as when not installed
    r = evtk(*command, "--engine", "spark")
    assert r.code == 2
    assert "pip install 'evtk[spark]'" in r.err
    assert "Traceback" not in r.err


def test_without_java(no_session: None, monkeypatch: pytest.MonkeyPatch, data_dir: Path, evtk) -> None:
    pytest.importorskip("pyspark")
    monkeypatch.setattr(spark_engine, "java_available", lambda: False)
    r = evtk("validate", "data", "--engine", "spark", "--spark-master", "local[1]")
    assert r.code == 2
    assert "Java 17 or 21" in r.err and "JAVA_HOME" in r.err


def test_polars_engine_never_imports_pyspark(python: str) -> None:
    code = (
        "import sys; from toolkit.validate import validate; from toolkit import release_checks, spark_engine; "
        "from pathlib import Path; validate([Path('data')]); print(any(m.startswith('pyspark') for m in sys.modules))"
    )
    r = subprocess.run([python, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert r.stdout.strip() == "False"


@pytest.mark.parametrize(
    ("at_start", "master", "want"),
    [
        (None, "local[2]", "127.0.0.1"),
        (None, "spark://head:7077", None),  # pandera's 127.0.0.1 undone: executors reach the driver
        (None, "yarn", None),
        ("10.0.0.5", "yarn", "10.0.0.5"),  # the user's own value wins
        ("10.0.0.5", "local[*]", "10.0.0.5"),
    ],
)
def test_the_driver_binds_where_executors_can_reach_it(
    monkeypatch: pytest.MonkeyPatch, at_start: str | None, master: str, want: str | None
) -> None:
    import os

    import toolkit

    monkeypatch.setattr(toolkit, "SPARK_LOCAL_IP_AT_START", at_start)
    monkeypatch.setenv("SPARK_LOCAL_IP", "127.0.0.1")  # as pandera's import leaves it
    spark_engine.bind_address(master)
    assert os.environ.get("SPARK_LOCAL_IP") == want


def test_planning_for_spark_reads_no_parquet_rows_on_the_driver(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The driver cuts Parquet files into chunks from their row counts; the rows are the tasks' to read."""
    import polars as pl

    from toolkit import validate as V
    from toolkit.codebook import load_codebook

    path = tmp_path / "data" / "imports" / "big.parquet"
    path.parent.mkdir(parents=True)
    pl.DataFrame(
        {"id": [f"e{i}" for i in range(25)], "article": ["a"] * 25, "code": ["042"] * 25}
    ).write_parquet(path)
    source = V.FileSource([(path, tmp_path / "data")], load_codebook(), None, "utf-8", chunk_rows=10)
    sliced: list[object] = []
    read = V.FileSource._read

    def spy(self: V.FileSource, i: int, unknown: object, rows: tuple[int, int] | None = None) -> pl.LazyFrame:
        lf = read(self, i, unknown, rows)  # type: ignore[arg-type]
        if rows is not None:
            sliced.append(rows)
        return lf

    monkeypatch.setattr(V.FileSource, "_read", spy)
    assert source.plan() == 3
    assert sliced == []  # nothing read but the schema and the row count
    assert source.chunk(2).collect().height == 5 and sliced == [(20, 5)]
