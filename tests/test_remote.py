"""Releases read from an object store (``s3://``, ``s3a://``), against a real S3 server in the test
process (moto): the same findings and exit codes as the same release on disk, only the files the
manifest lists are fetched, never more bytes than it states, and the copy is gone afterwards."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CliResult
from toolkit import remote

moto_server = pytest.importorskip("moto.server", reason="moto is a dev dependency (requirements.lock)")
boto3 = pytest.importorskip("boto3")

REPO = Path(__file__).resolve().parents[1]
RELEASES = REPO / "data" / "releases"
BUCKET = "evtk-releases"


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    srv = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    srv.start()
    host, port = srv.get_host_and_port()
    yield f"http://{host}:{port}"
    srv.stop()


@pytest.fixture
def s3(server: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Any]:
    """An empty bucket, and the environment a user sets for it (pyarrow reads AWS_ENDPOINT_URL)."""
    for key, value in {
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": server,
        "EVTK_FETCH_DIR": str(tmp_path / "fetched"),
    }.items():
        monkeypatch.setenv(key, value)
    (tmp_path / "fetched").mkdir()
    client = boto3.client("s3", endpoint_url=server, region_name="us-east-1")
    for obj in client.list_objects_v2(Bucket=BUCKET).get("Contents", []) if _exists(client) else []:
        client.delete_object(Bucket=BUCKET, Key=obj["Key"])
    if not _exists(client):
        client.create_bucket(Bucket=BUCKET)
    remote._cleanup()  # no copy of another test's bucket is reused
    yield client
    remote._cleanup()


def _exists(client: Any) -> bool:
    return any(b["Name"] == BUCKET for b in client.list_buckets().get("Buckets", []))


def upload(client: Any, folder: Path, prefix: str) -> None:
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            client.upload_file(str(path), BUCKET, f"{prefix}/{path.relative_to(folder).as_posix()}")


def tampered(folder: Path) -> Path:
    """A copy of 0.2.0 in ``folder`` whose README has one flipped byte (R101 checksum-mismatch)."""
    local = Path(shutil.copytree(RELEASES / "0.2.0", folder / "0.2.0"))
    data = bytearray((local / "README.md").read_bytes())
    data[10] ^= 0x20
    (local / "README.md").write_bytes(bytes(data))
    return local


def _same(got: CliResult, want: CliResult) -> None:
    assert got.code == want.code, got.output
    assert got.out == want.out


def test_a_release_in_s3_checks_as_it_does_on_disk(
    s3: Any, evtk: Callable[..., CliResult], tmp_path: Path
) -> None:
    upload(s3, RELEASES / "0.1.0", "releases/0.1.0")
    upload(s3, RELEASES / "0.2.0", "releases/0.2.0")
    want = evtk("release", "check", RELEASES / "0.2.0")
    assert want.code == 0 and "1 previous" in want.out
    for scheme in ("s3", "s3a"):
        _same(evtk("release", "check", f"{scheme}://{BUCKET}/releases/0.2.0"), want)
    _same(
        evtk("release", "diff", f"s3://{BUCKET}/releases/0.1.0", f"s3://{BUCKET}/releases/0.2.0"),
        evtk("release", "diff", RELEASES / "0.1.0", RELEASES / "0.2.0"),
    )
    out = tmp_path / "events.jsonl"
    exported = evtk("export", "plover", f"s3://{BUCKET}/releases/0.2.0", "--out", out)
    assert exported.code == 1 and f"s3://{BUCKET}/releases/0.2.0 -> {out}" in exported.out
    copies = list((tmp_path / "fetched").iterdir())
    assert evtk("release", "check", f"s3://{BUCKET}/releases/0.2.0", "--no-previous").code == 0
    assert list((tmp_path / "fetched").iterdir()) == copies  # fetched once in a process
    remote._cleanup()  # what the end of the process does
    assert list((tmp_path / "fetched").iterdir()) == []


def test_a_tampered_release_in_s3_fails_as_on_disk(
    s3: Any, evtk: Callable[..., CliResult], tmp_path: Path
) -> None:
    local = tampered(tmp_path / "releases")
    upload(s3, local, "r/0.2.0")
    want = evtk("release", "check", local, "--no-previous")
    assert want.code == 1 and "R101" in want.out
    _same(evtk("release", "check", f"s3://{BUCKET}/r/0.2.0", "--no-previous"), want)


def test_only_what_the_manifest_lists_is_fetched_and_no_more_than_it_states(s3: Any, tmp_path: Path) -> None:
    local = Path(shutil.copytree(RELEASES / "0.2.0", tmp_path / "src" / "0.2.0"))
    manifest = json.loads((local / "manifest.json").read_text(encoding="utf-8"))
    readme = next(r for r in manifest["resources"] if r["path"] == "README.md")
    readme["bytes"] = 10  # the file is much larger than its entry says
    manifest["resources"].append({"path": "../secret.txt", "bytes": 5, "sha256": "0" * 64})
    (local / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    (local / "stray.bin").write_bytes(b"x" * 1000)  # in the folder, not in the manifest
    upload(s3, local, "hostile/0.2.0")
    s3.put_object(Bucket=BUCKET, Key="hostile/secret.txt", Body=b"secret")
    copy = remote.fetch_release(f"s3://{BUCKET}/hostile/0.2.0")
    assert (copy / "README.md").stat().st_size == 11  # the stated size and one byte to show it grew
    assert not (copy / "stray.bin").exists()
    assert not (copy.parent / "secret.txt").exists()
    assert sorted(p.name for p in copy.parent.iterdir()) == ["0.2.0"]


def test_what_cannot_be_read_remotely_gets_a_message_and_exit_2(
    s3: Any, evtk: Callable[..., CliResult], tmp_path: Path
) -> None:
    missing = evtk("release", "check", f"s3://{BUCKET}/releases/9.9.9")
    assert missing.code == 2
    assert f"s3://{BUCKET}/releases/9.9.9: no such release folder: manifest.json is missing" in missing.err
    s3.put_object(Bucket=BUCKET, Key="notarelease/0.1.0/README.md", Body=b"hello")
    folder = evtk("release", "check", f"s3://{BUCKET}/notarelease/0.1.0")
    assert folder.code == 2 and "not a release: manifest.json is missing" in folder.err
    upload(s3, RELEASES / "0.2.0", "releases/0.2.0")
    key = tmp_path / "key"
    signed = evtk("release", "sign", f"s3://{BUCKET}/releases/0.2.0", "--key", key)
    assert signed.code == 2 and "is not changed in place: run this on a local copy" in signed.err
    validated = evtk("validate", f"s3://{BUCKET}/data")
    assert validated.code == 2 and "event files are read from this machine" in validated.err
    big = evtk("release", "check", f"s3://{BUCKET}/releases/0.2.0", "--max-manifest-bytes", "100")
    assert big.code == 2 and "manifest.json is larger than 100 bytes (--max-manifest-bytes)" in big.err


def test_a_full_disk_for_the_copy_says_where_and_what_to_do(
    s3: Any, evtk: Callable[..., CliResult], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.conftest import tmpfs

    with tmpfs(tmp_path / "small", "size=64k") as small:
        monkeypatch.setenv("EVTK_FETCH_DIR", str(small))
        upload(s3, RELEASES / "0.2.0", "releases/0.2.0")
        r = evtk("release", "check", f"s3://{BUCKET}/releases/0.2.0", "--no-previous")
        assert r.code == 2, r.output
        assert f"{small}: cannot write the local copy of the release: No space left on device; set " in r.err
        assert "EVTK_FETCH_DIR to a folder with room" in r.err
        remote._cleanup()
        assert list(small.iterdir()) == []


def test_a_researcher_loads_a_release_from_s3(s3: Any) -> None:
    import toolkit

    upload(s3, RELEASES / "0.2.0", "releases/0.2.0")
    got = toolkit.load(f"s3://{BUCKET}/releases/0.2.0", labels=True).collect()
    want = toolkit.load(RELEASES / "0.2.0", labels=True).collect()
    assert got.equals(want) and got.height == 33


def test_github_annotations_of_a_remote_release_attach_to_no_file(
    s3: Any, evtk: Callable[..., CliResult], tmp_path: Path
) -> None:
    upload(s3, tampered(tmp_path / "r"), "gh/0.2.0")
    r = evtk("release", "check", f"s3://{BUCKET}/gh/0.2.0", "--no-previous", "--format", "github")
    assert r.code == 1
    errors = [line for line in r.out.splitlines() if line.startswith("::error")]
    assert errors and all(line.startswith("::error title=R101") for line in errors), errors


def test_the_report_of_a_remote_release_is_written_where_asked(
    s3: Any, evtk: Callable[..., CliResult], tmp_path: Path
) -> None:
    upload(s3, RELEASES / "0.2.0", "releases/0.2.0")
    uri = f"s3://{BUCKET}/releases/0.2.0"
    refused = evtk("release", "report", uri)
    assert refused.code == 2 and f"{uri}: a release in an object store is not changed in place" in refused.err
    page = tmp_path / "report.html"
    done = evtk("release", "report", uri, "--out", page)
    assert done.code == 0 and page.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
