"""``--engine spark`` in a real local Spark session (``local[2]``): the same findings as the polars
engine, row for row, on data with errors of every family, forced hash collisions, a partitioned
release and bad input. ``make test-spark`` (needs Java: ``make java``); not part of ``make test``."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import pytest

from benchmarks.generate import Spec, generate
from tests.conftest import CliResult, event_yaml
from toolkit import spark_engine
from toolkit.codebook import load_codebook
from toolkit.findings import Bounded, Report
from toolkit.release_checks import check_events
from toolkit.release_io import CheckOptions, open_release
from toolkit.rules import duplicates
from toolkit.validate import validate

pyspark = pytest.importorskip(
    "pyspark", reason="Spark tests skipped: pyspark missing (pip install 'evtk[spark]')"
)
pytestmark = [
    pytest.mark.spark,
    pytest.mark.skipif(
        not spark_engine.java_available(), reason="Spark tests skipped: no Java runtime (run `make java`)"
    ),
]
MASTER = "local[2]"
REPO = Path(__file__).resolve().parents[1]

# The forced-collision hashes below are defined in this module: Spark's Python workers receive
# them by value (this module is not importable there).
from pyspark import cloudpickle  # noqa: E402

cloudpickle.register_pickle_by_value(sys.modules[__name__])


@pytest.fixture(scope="session", autouse=True)
def spark() -> Iterator[object]:
    yield spark_engine.session(MASTER)
    spark_engine.stop()


@pytest.fixture(scope="module")
def bad_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Generated events with errors of every kind (codes, actors, dates, sentences, quotes,
    duplicate ids, derived fields, future dates) plus hand-made files for the cross-file and
    content duplicates (E502, E503), an unreadable file (E000) and a file with an unknown field."""
    root = tmp_path_factory.mktemp("spark-data") / "data"
    generate(Spec(events=4000, articles=40, error_share=0.25, seed=7), root)
    shutil.copytree(REPO / "data" / "articles", root / "articles" / "seed")
    one = {"id": "dup1", "code": "042"}
    (root / "coded" / "twice.yaml").write_text(
        event_yaml(one, one, {"id": "x", "code": "0a"}), encoding="utf-8"
    )
    (root / "coded" / "twice.csv").write_text(
        "id,article,sentence,date,source,target,code,colour\n"
        "dup1,afp-2023-02-07-lavrov-mali,3,2023-02-07,RUSGOV,MLIGOV,042,red\n",
        encoding="utf-8",
    )
    (root / "coded" / "broken.parquet").write_bytes(b"PAR1 not really parquet")
    return root


def _rows(report: Report) -> list[tuple[object, ...]]:
    return report.findings.rows()


def _both(paths: list[Path], **kwargs: object) -> tuple[Report, Report]:
    polars_run = validate(paths, **kwargs)  # type: ignore[arg-type]
    spark_run = validate(paths, engine_name="spark", spark_master=MASTER, **kwargs)  # type: ignore[arg-type]
    assert spark_run.exit_code == polars_run.exit_code
    assert spark_run.events_checked == polars_run.events_checked
    return polars_run.report, spark_run.report


def test_validate_same_findings_row_for_row(bad_data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(bad_data.parent)
    # Small chunks: many Spark tasks, chunks that cut files, examples cut per task then merged.
    want, got = _both([Path("data")], chunk_rows=900, max_examples=7)
    assert got.rule_counts == want.rule_counts
    assert _rows(got) == _rows(want)
    assert got.counts == want.counts
    fired = set(want.rule_counts)
    # every family of event rules, and the global reductions, are in the comparison
    assert {"E000", "E101", "E501", "E502", "E503"} <= fired
    assert {r[0:2] for r in fired} >= {"E1", "E2", "E3", "E4", "E5"}


def test_forced_hash_collisions_change_nothing(bad_data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(bad_data.parent)
    want = validate([Path("data")], chunk_rows=1500).report
    monkeypatch.setattr(duplicates, "hash_expr", lambda e: e.hash() % 7)  # almost everything collides
    got = validate([Path("data")], chunk_rows=1500, engine_name="spark", spark_master=MASTER).report
    assert got.rule_counts == want.rule_counts
    assert _rows(got) == _rows(want)


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A release partitioned by year, built by `evtk release build` from clean generated data."""
    from typer.testing import CliRunner

    from toolkit.cli import app

    root = tmp_path_factory.mktemp("spark-release") / "data"
    generate(Spec(events=3000, articles=30, seed=11), root)
    out = root.parent / "releases"
    r = CliRunner().invoke(
        app,
        [
            "release",
            "build",
            "0.1.0",
            "--data",
            str(root),
            "--out",
            str(out),
            "--partition-threshold",
            "0",
            "-q",
        ],
    )
    assert r.exit_code == 0, r.output
    return out / "0.1.0"


def test_release_check_of_a_partitioned_release(release: Path) -> None:
    from toolkit.release import check_release

    assert len(open_release(release).event_files()) > 1  # partitioned: one file per year
    want = check_release(release, CheckOptions(find_previous=False))
    got = check_release(release, CheckOptions(find_previous=False, engine="spark", spark_master=MASTER))
    assert got.exit_code == want.exit_code == 0
    assert got.counts == want.counts
    assert _rows(got) == _rows(want)


def test_release_event_rules_with_findings(release: Path, tmp_path: Path) -> None:
    """Release scope: partitions edited behind the manifest's back (repeated ids across files, bad
    codes) give the same E503 (release variant), E502 and code findings on both engines."""
    bad = tmp_path / "0.1.0"
    shutil.copytree(release, bad)
    rel = open_release(bad)
    files = [rel.files[r] for r in rel.event_files()]
    first = pl.read_parquet(files[0])
    for path in files[1:3]:
        frame = pl.read_parquet(path)
        frame = pl.concat([frame, first.head(5)]).with_columns(
            event_code=pl.when(pl.int_range(pl.len()) % 50 == 0).then(pl.lit("999")).otherwise("event_code")
        )
        pq.write_table(frame.to_arrow(), path)

    def run(**kw: str) -> tuple[int, Report]:
        out = Bounded(5)
        n = check_events(rel, files, load_codebook(bad / "codebook"), out, **kw)  # type: ignore[arg-type]
        return n, out.report({"events": n})

    n_want, want = run()
    n_got, got = run(engine_name="spark", spark_master=MASTER)
    assert n_got == n_want
    assert got.rule_counts == want.rule_counts
    assert {"E502", "E503"} <= set(want.rule_counts)
    assert _rows(got) == _rows(want)


@pytest.mark.parametrize(
    "make_args",
    [
        lambda d: ["validate", str(d / "no-such-file.yaml")],
        lambda d: ["validate", str(d / "coded" / "broken.parquet"), "--articles", str(d / "articles")],
        lambda d: ["validate", str(d / "coded" / "twice.yaml"), "--codebook", str(d / "articles")],
        lambda d: ["release", "check", str(d / "missing-release")],
    ],
    ids=["missing file", "unreadable file", "bad codebook", "missing release"],
)
def test_bad_input_same_message_and_exit_code(
    bad_data: Path, make_args: Callable[[Path], list[str]], evtk: Callable[..., CliResult]
) -> None:
    args = make_args(bad_data)
    want = evtk(*args, "-q")
    assert want.code == 2 and want.output.strip()
    got = evtk(*args, "-q", "--engine", "spark", "--spark-master", MASTER)
    assert (got.code, got.out, got.err) == (want.code, want.out, want.err)


def test_a_spark_run_prints_the_findings_not_sparks_logs(release: Path) -> None:
    """A fresh process (its own JVM): stdout is the report, stderr holds no Spark warnings or banners."""
    import os
    import subprocess

    env = {k: v for k, v in os.environ.items() if k not in ("SPARK_LOCAL_IP", "PYSPARK_SUBMIT_ARGS")}
    got = subprocess.run(
        [
            sys.executable,
            "-m",
            "toolkit",
            "release",
            "check",
            str(release),
            "--engine",
            "spark",
            "--spark-master",
            "local[1]",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=300,
    )
    assert got.returncode == 0, got.stdout + got.stderr
    assert "valid: 0 error(s)" in got.stdout
    noise = [line for line in got.stderr.splitlines() if "Using incubator modules" not in line]
    assert noise == [], got.stderr


def test_a_release_in_s3_on_spark_gives_the_local_findings(
    release: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``release check s3a://... --engine spark``: fetched through its manifest, then the same plans."""
    pytest.importorskip("moto.server")
    import boto3
    from moto.server import ThreadedMotoServer

    from toolkit.release import check_release
    from toolkit.remote import fetch_release

    srv = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    srv.start()
    try:
        host, port = srv.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        for key, value in {
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ENDPOINT_URL": endpoint,
        }.items():
            monkeypatch.setenv(key, value)
        client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
        client.create_bucket(Bucket="evtk-spark")
        for path in sorted(release.rglob("*")):
            if path.is_file():
                client.upload_file(
                    str(path), "evtk-spark", f"rel/{release.name}/{path.relative_to(release).as_posix()}"
                )
        copy = fetch_release(f"s3a://evtk-spark/rel/{release.name}")
        want = check_release(release, CheckOptions(find_previous=False))
        got = check_release(copy, CheckOptions(find_previous=False, engine="spark", spark_master=MASTER))
        assert got.exit_code == want.exit_code == 0
        assert _rows(got) == _rows(want) and got.counts == want.counts
    finally:
        srv.stop()
