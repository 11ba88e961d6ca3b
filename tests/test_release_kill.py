"""Crash safety of release builds: a build killed at any point (SIGKILL) or interrupted (SIGINT)
never leaves anything that ``list_releases``, ``is_release``, ``check_release`` or ``load`` would
take for a release, and the same version can be built afterwards.

The build runs in a subprocess on ~100k imported events (a Parquet event file, no article text),
which takes a moment; the kill points are spread over the duration of one measured build, plus
one kill as soon as the temporary folder appears (the window in which files are being written).
No assertion depends on timing: whatever moment the signal lands, the outcome must be valid.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest

from toolkit.errors import InputError
from toolkit.release import build_release, check_release, is_release, list_releases, load
from toolkit.schema import INPUT_FIELDS

EVENTS = 100_000
VERSION = "1.0.0"
CODES = ["010", "036", "042", "043", "057", "111", "112", "173", "190"]
ACTORS = ["RUSGOV", "MLIGOV", "USA", "FRAMIL", "UKR"]
BUILD = (
    "import sys; from pathlib import Path; from toolkit.release import build_release; "
    "build_release(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]))"
)


def write_import(data: Path, n: int) -> None:
    """``n`` imported events in one Parquet file: every input field a string, as machines write them."""
    (data / "coded").mkdir(parents=True)
    i = pl.col("i")
    frame = pl.select(i=pl.int_range(0, n)).select(
        id=pl.format("x{}", i),
        date=(pl.lit(dt.date(2001, 1, 1)) + pl.duration(days=i % 8000)).dt.strftime("%Y-%m-%d"),
        source=(i % len(ACTORS)).replace_strict(list(range(len(ACTORS))), ACTORS, return_dtype=pl.String),
        target=((i + 1) % len(ACTORS)).replace_strict(
            list(range(len(ACTORS))), ACTORS, return_dtype=pl.String
        ),
        code=(i % len(CODES)).replace_strict(list(range(len(CODES))), CODES, return_dtype=pl.String),
        method=pl.lit("import"),
        source_event_id=pl.format("src-{}", i),
        url=pl.format("https://example.org/story/{}", i // 3),
    )
    missing = [pl.lit(None, dtype=pl.String).alias(f) for f in INPUT_FIELDS if f not in frame.columns]
    frame.with_columns(missing).select(list(INPUT_FIELDS)).write_parquet(data / "coded" / "import.parquet")


@pytest.fixture(scope="module")
def big_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("kill") / "data"
    write_import(data, EVENTS)
    return data


def start(data: Path, out: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    return subprocess.Popen(
        [sys.executable, "-c", BUILD, VERSION, str(data), str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
    )


def temp_folders(out: Path) -> list[Path]:
    return sorted(out.glob(".tmp-*")) if out.is_dir() else []


def wait_for_temp_folder(proc: subprocess.Popen[bytes], out: Path) -> bool:
    """Poll until the build's hidden temporary folder exists (or the build has ended)."""
    while proc.poll() is None:
        if temp_folders(out):
            return True
        time.sleep(0.002)
    return False


def assert_all_or_nothing(out: Path, what: str) -> None:
    """The release is either complete and checks clean, or absent; leftovers are invisible."""
    target = out / VERSION
    leftovers = temp_folders(out)
    if target.exists():
        assert is_release(target), what
        report = check_release(target)
        assert report.errors == 0, f"{what}: {report.summary()}"
        assert list_releases(out) == [target], what
        assert load("latest", releases_dir=out).select(pl.len()).collect().item() == EVENTS, what
    else:
        assert list_releases(out) == [], what
        with pytest.raises(InputError):
            load("latest", releases_dir=out)
        with pytest.raises(InputError):
            load(VERSION, releases_dir=out)
    for tmp in leftovers:
        assert tmp.name.startswith("."), what
        assert not is_release(tmp), what
        with pytest.raises(InputError):
            load(tmp)
        with pytest.raises(InputError):
            check_release(tmp)
    # everything in the folder is the release, or hidden
    visible = {p.name for p in out.iterdir() if not p.name.startswith(".")} if out.is_dir() else set()
    assert visible <= {VERSION}, what


@pytest.mark.slow  # make test-slow
def test_killed_builds_leave_a_release_or_nothing(big_data: Path, tmp_path: Path) -> None:
    # one complete build, to know how long a build takes (used only to spread the kill points)
    out = tmp_path / "measured"
    t0 = time.monotonic()
    proc = start(big_data, out)
    _, err = proc.communicate()
    duration = time.monotonic() - t0
    assert proc.returncode == 0, err.decode()
    assert_all_or_nothing(out, "complete build")
    assert (out / VERSION).is_dir()

    rng = random.Random()
    runs = 5
    delays = [duration * (k + rng.random()) / runs for k in range(runs)]
    plans: list[float | None] = [None, *delays]  # None: kill as soon as the temp folder appears
    rebuilt = 0
    for n, delay in enumerate(plans):
        out = tmp_path / f"run{n}"
        what = (
            f"run {n}: SIGKILL {'when the temp folder appeared' if delay is None else f'after {delay:.2f}s'}"
        )
        proc = start(big_data, out)
        if delay is None:
            wait_for_temp_folder(proc, out)
        else:
            try:
                proc.wait(timeout=delay)
            except subprocess.TimeoutExpired:
                pass
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
        assert_all_or_nothing(out, what)

        # the same version builds afterwards, whatever was left behind (a kill that left nothing
        # at all is the starting state again, which the measured build already covers)
        last = n == len(plans) - 1
        if not (out / VERSION).exists() and (temp_folders(out) or (last and not rebuilt)):
            rebuilt += 1
            result = build_release(VERSION, big_data, out)
            assert result.path == out / VERSION
            assert_all_or_nothing(out, what + ", then rebuilt")
            assert (out / VERSION).is_dir()


def test_interrupted_build_removes_its_temp_folder(big_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "releases"
    proc = start(big_data, out)
    appeared = wait_for_temp_folder(proc, out)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate()
    assert appeared or proc.returncode == 0, err.decode()
    assert temp_folders(out) == []
    assert_all_or_nothing(out, "SIGINT")
    if proc.returncode != 0:
        assert b"KeyboardInterrupt" in err
    shutil.rmtree(out, ignore_errors=True)
    assert build_release(VERSION, big_data, out).path.is_dir()
