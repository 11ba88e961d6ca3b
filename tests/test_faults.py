"""Faults and hostile inputs end in exit 1 (findings) or 2 (cannot read or write), each with a
message, never exit 3 ("internal error") or a traceback. One table, one test per row."""

from __future__ import annotations

import errno
import hashlib
import io
import json
import os
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow.parquet as pq
import pytest

REPO = Path(__file__).resolve().parent.parent
COMMITTED = REPO / "data" / "releases" / "0.1.0"
GDELT = REPO / "tests" / "fixtures" / "formats" / "gdelt2" / "sample.export.tsv"


def release(root: Path, name: str = "r") -> Path:
    return Path(shutil.copytree(COMMITTED, root / name / "0.1.0"))


def reseal(rel: Path, path: str) -> None:
    m = json.loads((rel / "manifest.json").read_text(encoding="utf-8"))
    for e in m["resources"]:
        if e["path"] == path:
            data = (rel / path).read_bytes()
            e.update(bytes=len(data), sha256=hashlib.sha256(data).hexdigest())
    (rel / "manifest.json").write_text(json.dumps(m), encoding="utf-8")


def edit_manifest(rel: Path, change: Callable[[dict[str, Any]], None]) -> None:
    m = json.loads((rel / "manifest.json").read_text(encoding="utf-8"))
    change(m)
    (rel / "manifest.json").write_text(json.dumps(m), encoding="utf-8")


def data_dir(root: Path) -> Path:
    d = root / "data"
    shutil.copytree(REPO / "data" / "articles", d / "articles")
    (d / "coded").mkdir()
    shutil.copy(REPO / "data" / "coded" / "afp-2023-02-07-lavrov-mali.seed.yaml", d / "coded")
    return d


def zip_of_gdelt(root: Path, how: str) -> Path:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("a.tsv", "1\t20230101\n")
    b = bytearray(buf.getvalue())
    cd = b.rfind(b"PK\x01\x02")
    if how == "encrypted":
        b[6] |= 1
        b[cd + 8] |= 1
    else:  # deflate64
        b[8] = 9
        b[cd + 10] = 9
    path = root / f"{how}.zip"
    path.write_bytes(bytes(b))
    return path


def bulk_article(root: Path, sentences: Any) -> Path:
    d = data_dir(root)
    rec = {
        "id": "zz-1",
        "title": "t",
        "source": "s",
        "url": "https://example.org/a",
        "published": "2023-01-01",
        "language": "en",
        "text": "Hello there. Bye.",
        "sentences": sentences,
    }
    (d / "articles" / "bulk.jsonl").write_text(json.dumps(rec) + "\n", encoding="utf-8")
    return d


def _deep(root: Path) -> list[Any]:
    r = release(root)
    (r / "manifest.json").write_text("[" * 200_000, encoding="utf-8")
    return ["release", "check", r]


def _odd_resources(root: Path) -> list[Any]:
    r = release(root)
    edit_manifest(r, lambda m: m["resources"].extend([None, "x", {"path": 5}]))
    return ["release", "check", r]


def _string_codebook(root: Path) -> list[Any]:
    r = release(root)
    edit_manifest(r, lambda m: m.update(codebook="evtk"))
    return ["release", "check", r]


def _long_integer(root: Path) -> list[Any]:
    r = release(root)
    text = (r / "manifest.json").read_text(encoding="utf-8")
    (r / "manifest.json").write_text(
        text.replace('"bytes": 55', '"bytes": ' + "9" * 5000, 1), encoding="utf-8"
    )
    return ["release", "check", r]


def _non_utf8_metadata(root: Path) -> list[Any]:
    r = release(root)
    table = pq.read_table(r / "events.parquet")
    meta = dict(pq.ParquetFile(r / "events.parquet").metadata.metadata or {})
    meta[b"evtk.version"] = b"\xff\xfe0.1.0"
    pq.write_table(table.replace_schema_metadata(meta), r / "events.parquet")
    reseal(r, "events.parquet")
    return ["release", "check", r]


def _diff_with(broken: Callable[[Path], None]) -> Callable[[Path], list[Any]]:
    def make(root: Path) -> list[Any]:
        a, b = release(root, "a"), release(root, "b")
        broken(b)
        return ["release", "diff", a, b]

    return make


def _corrupt(r: Path) -> None:
    (r / "events.parquet").write_bytes(b"PAR1 not really")


def _empty(r: Path) -> None:
    (r / "events.parquet").write_bytes(b"")


def _dtypes(r: Path) -> None:
    df = pl.read_parquet(r / "events.parquet").with_columns(pl.col("event_date").cast(pl.String))
    df.write_parquet(r / "events.parquet")
    reseal(r, "events.parquet")


def _retractions_extra(root: Path) -> list[Any]:
    d = data_dir(root)
    (d / "retractions.csv").write_text("event_id,reason,since,extra\nx#e1,typo,0.1.0,w\n", encoding="utf-8")
    return ["release", "build", "0.1.0", "--data", d, "--out", root / "out"]


def _retractions_extra_in_release(root: Path) -> list[Any]:
    r = release(root)
    (r / "retractions.csv").write_text("event_id,reason,since,extra\nx,y,z,w\n", encoding="utf-8")
    reseal(r, "retractions.csv")
    return ["release", "check", r]


def _unwritable_out(root: Path) -> list[Any]:
    return ["release", "build", "0.1.0", "--data", data_dir(root), "--out", "/proc/evtk-out"]


def _out_is_a_file(root: Path) -> list[Any]:
    (root / "file").write_text("x", encoding="utf-8")
    return ["release", "build", "0.1.0", "--data", data_dir(root), "--out", root / "file"]


def _corrupt_older_release(root: Path) -> list[Any]:
    out = root / "out"
    shutil.copytree(COMMITTED, out / "0.1.0")
    (out / "0.1.0" / "events.parquet").write_bytes(b"junk")
    return ["release", "build", "0.2.0", "--data", data_dir(root), "--out", out]


def _jsonl_long_integer(root: Path) -> list[Any]:
    d = data_dir(root)
    (d / "coded" / "x.jsonl").write_text('{"id": "e1", "sentence": ' + "9" * 5000 + "}\n", encoding="utf-8")
    return ["validate", d]


def _import_zip(how: str) -> Callable[[Path], list[Any]]:
    def make(root: Path) -> list[Any]:
        return ["import", "gdelt2", zip_of_gdelt(root, how), "--out", root / "o.parquet"]

    return make


def _import_unwritable(root: Path) -> list[Any]:
    return ["import", "gdelt2", GDELT, "--out", "/proc/evtk/x.parquet"]


def _export_unwritable(root: Path) -> list[Any]:
    return ["export", "gdelt2", COMMITTED, "--out", "/proc/evtk/x.tsv"]


def _gz(root: Path, data: bytes) -> Path:
    import gzip

    path = root / "in.tsv.gz"
    path.write_bytes(gzip.compress(data))
    return path


def _gz_bomb(root: Path) -> list[Any]:
    return ["import", "gdelt2", _gz(root, b"\n" * 3_000_000), "--out", root / "o.parquet", "--max-ratio", "2"]


def _gz_long_line(root: Path) -> list[Any]:
    path = _gz(root, b"x" * 2_000_000 + b"\n")
    return ["import", "gdelt2", path, "--out", root / "o.parquet", "--max-line-bytes", "1000000"]


def _zip_members(root: Path) -> list[Any]:
    path = root / "many.zip"
    with zipfile.ZipFile(path, "w") as z:
        for i in range(5):
            z.writestr(f"{i}.tsv", "x\n")
    return ["import", "gdelt2", path, "--out", root / "o.parquet", "--max-members", "3"]


def _fifo(root: Path) -> list[Any]:
    os.mkfifo(root / "pipe.tsv")
    return ["import", "gdelt2", root / "pipe.tsv", "--out", root / "o.parquet"]


def _pipe(name: str, *args: str) -> Callable[[Path], list[Any]]:
    """A command given a FIFO where a file belongs (reading it would block for ever)."""

    def make(root: Path) -> list[Any]:
        os.mkfifo(root / name)
        return [a.replace("PIPE", str(root / name)) for a in args]

    return make


CASES: dict[str, tuple[Callable[[Path], list[Any]], tuple[int, ...], str]] = {
    # name: (arguments, allowed exit codes, a phrase of the message)
    "deep-json-manifest": (_deep, (1,), "nested too deeply"),
    "null-and-string-resources": (_odd_resources, (1,), "is not an object with a string path"),
    "string-codebook": (_string_codebook, (1,), "codebook must be an object"),
    "5000-digit-integer": (_long_integer, (1,), "out of range"),
    "non-utf8-parquet-metadata": (_non_utf8_metadata, (1,), "R108"),
    "diff-corrupt-parquet": (_diff_with(_corrupt), (1, 2), "events"),
    "diff-empty-parquet": (_diff_with(_empty), (1, 2), "events"),
    "diff-wrong-dtypes": (_diff_with(_dtypes), (1, 2), "events column event_date is String"),
    "retractions-extra-columns-build": (_retractions_extra, (0, 1, 2), "built"),
    "retractions-extra-columns-release": (_retractions_extra_in_release, (1,), "R103"),
    "unwritable-out": (_unwritable_out, (2,), "evtk: error"),
    "out-is-a-file": (_out_is_a_file, (2,), "evtk: error"),
    "corrupt-older-release-in-out": (_corrupt_older_release, (2,), "previous release"),
    "jsonl-5000-digit-integer": (_jsonl_long_integer, (2,), "write long numbers as strings"),
    "bulk-spans-backwards": (
        lambda root: ["validate", bulk_article(root, [[5, 2]])],
        (2,),
        "offsets must increase",
    ),
    "bulk-spans-past-text": (
        lambda root: ["validate", bulk_article(root, [[0, 999]])],
        (2,),
        "within the text",
    ),
    "bulk-spans-words": (
        lambda root: ["validate", bulk_article(root, [["a", "b"]])],
        (2,),
        "two non-negative",
    ),
    "bulk-spans-short": (lambda root: ["validate", bulk_article(root, [[1]])], (2,), "two non-negative"),
    "bulk-spans-string": (lambda root: ["validate", bulk_article(root, "abc")], (2,), "must be a list"),
    "encrypted-zip": (_import_zip("encrypted"), (2,), "encrypted"),
    "deflate64-zip": (_import_zip("deflate64"), (2,), "compression method 9"),
    "import-unwritable-out": (_import_unwritable, (2,), "evtk: error"),
    "export-unwritable-out": (_export_unwritable, (2,), "evtk: error"),
    "gz-of-newlines": (_gz_bomb, (2,), "decompresses to more than"),
    "gz-one-long-line": (_gz_long_line, (2,), "longer than 1000000 bytes"),
    "zip-of-many-members": (_zip_members, (2,), "over the limit of 3 (--max-members)"),
    "fifo-input": (_fifo, (2,), "is not a regular file"),
    "validate-fifo-yaml": (_pipe("e.yaml", "validate", "PIPE"), (2,), "is not a regular file"),
    "validate-fifo-csv": (_pipe("e.csv", "validate", "PIPE"), (2,), "is not a regular file"),
    "validate-fifo-jsonl": (_pipe("e.jsonl", "validate", "PIPE"), (2,), "is not a regular file"),
    "validate-fifo-parquet": (_pipe("e.parquet", "validate", "PIPE"), (2,), "is not a regular file"),
    "validate-dev-zero": (lambda root: ["validate", "/dev/zero"], (2,), "is not a regular file"),
    "articles-add-fifo": (
        _pipe("story.txt", "articles", "add", "PIPE", "--published", "2020-01-01", "--articles", "arts"),
        (2,),
        "is not a regular file",
    ),
    "fix-fifo": (_pipe("sheet.csv", "fix", "PIPE"), (2,), "is not a regular file"),
    "check-key-fifo": (
        _pipe("key.pub", "release", "check", str(REPO / "data" / "releases" / "0.2.0"), "--key", "PIPE"),
        (2,),
        "is not a regular file",
    ),
    "dev-zero-input": (
        lambda root: ["import", "gdelt2", "/dev/zero", "--out", root / "o.parquet"],
        (2,),
        "not a regular file",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_fault_is_a_message_not_an_internal_error(
    case: str, tmp_path: Path, evtk: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    make, codes, phrase = CASES[case]
    r = evtk(*make(tmp_path))
    assert r.code in codes, r.output
    assert "internal error" not in r.output and "Traceback" not in r.output
    assert phrase in r.output, r.output


@pytest.mark.parametrize("command", ["build", "import", "export"])
def test_disk_full_is_exit_2_and_leaves_nothing(
    command: str, tmp_path: Path, evtk: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    def full(src: Any, dst: Any, *a: Any, **k: Any) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(dst))

    monkeypatch.setattr(os, "rename", full)
    monkeypatch.setattr(os, "replace", full)
    out = tmp_path / "out"
    out.mkdir()
    args: dict[str, list[Any]] = {
        "build": ["release", "build", "0.1.0", "--data", data_dir(tmp_path), "--out", out],
        "import": ["import", "gdelt2", GDELT, "--out", out / "x.parquet"],
        "export": ["export", "gdelt2", COMMITTED, "--out", out / "x.tsv"],
    }
    r = evtk(*args[command])
    assert r.code == 2, r.output
    assert "No space left on device" in r.err and "internal error" not in r.output
    assert list(out.iterdir()) == []


@pytest.fixture
def read_only_folder(tmp_path: Path) -> Any:
    """A real read-only file system (a tmpfs mounted ``ro``): root writes through permissions, so
    a mode-0555 folder would not refuse anything. Skipped where mounting is not allowed."""
    from tests.conftest import tmpfs

    with tmpfs(tmp_path / "ro", "ro,size=1m") as folder:
        yield folder


@pytest.mark.parametrize("command", ["build", "import", "export", "report", "codebook-export"])
def test_read_only_out_names_the_folder_and_exits_2(
    command: str, read_only_folder: Path, tmp_path: Path, evtk: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    out = read_only_folder
    args: dict[str, list[Any]] = {
        "build": ["release", "build", "0.1.0", "--data", data_dir(tmp_path), "--out", out],
        "import": ["import", "gdelt2", GDELT, "--out", out / "x.parquet"],
        "export": ["export", "gdelt2", COMMITTED, "--out", out / "x.tsv"],
        "report": ["release", "report", COMMITTED, "--out", out / "report.html"],
        "codebook-export": ["codebook", "export", "--out", out / "codebook.json"],
    }
    r = evtk(*args[command])
    assert r.code == 2, r.output
    assert f"cannot write in {out}: Read-only file system" in r.err, r.err
    assert "choose a writable --out" in r.err and "internal error" not in r.output
    assert list(out.iterdir()) == []


def test_corrupt_older_release_does_not_block_with_previous(
    tmp_path: Path, evtk: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    args = _corrupt_older_release(tmp_path)
    good = Path(shutil.copytree(COMMITTED, tmp_path / "good" / "0.1.0"))
    r = evtk(*args, "--previous", good)
    assert r.code == 0, r.output
    assert "previous 0.1.0" in r.out


# --------------------------------------------------------------------------- Ctrl-C inside polars


@pytest.mark.slow
def test_ctrl_c_during_polars_work_in_import_leaves_no_temp_files(tmp_path: Path) -> None:
    """A real ``evtk import`` process, interrupted once its staging file exists (polars is parsing
    into it): exit 130, and nothing left in ``--out``'s folder or in the temporary folder."""
    import signal
    import subprocess
    import sys
    import time

    from test_user_cases import _gdelt2_row

    row = _gdelt2_row("{}", "NI") + "\n"
    src = tmp_path / "big.tsv"
    with src.open("w", encoding="utf-8") as fh:  # ~190 MB: seconds of polars work on 2 cores
        for start in range(0, 1_500_000, 100_000):
            fh.write("".join(row.replace("{}", str(i), 1) for i in range(start, start + 100_000)))
    out, tmp = tmp_path / "out", tmp_path / "tmp"
    out.mkdir()
    tmp.mkdir()
    evtk = Path(sys.executable).with_name("evtk")
    proc = subprocess.Popen(
        [str(evtk), "import", "gdelt2", str(src), "--out", str(out / "g.parquet")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=os.environ | {"TMPDIR": str(tmp)},
    )
    staged = False
    while proc.poll() is None and not staged:
        staged = any(p.name.endswith(".rows.parquet") for p in out.iterdir())
        time.sleep(0.01)
    assert staged, "the import ended before polars started"
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=300)
    assert proc.returncode == 130
    assert sorted(p.name for p in out.iterdir()) == []
    assert sorted(p.name for p in tmp.iterdir()) == []
