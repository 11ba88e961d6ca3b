"""``evtk release check``: integrity, schema, event rules and release-to-release rules.

Memory stays bounded on releases of any size: event rules run chunk by chunk (a chunk is a
slice of one Parquet file), and the global rules (unique ids, duplicate events) work on 64-bit
hashes of the key columns, verifying every hash collision against the real values, so they
stay global without holding every row's strings at once.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow.parquet as pq

from toolkit import engine, semver
from toolkit import fields as checks
from toolkit import findings as F
from toolkit.codebook import Codebook
from toolkit.errors import InputError, LimitError
from toolkit.progress import NULL, Progress
from toolkit.release_io import (
    MAX_MANIFEST_BYTES,
    CheckOptions,
    Release,
    UnsafePath,
    code_tables,
    load,
    open_member,
    open_release,
    read_manifest,
    scan_events,
    sha256_member,
    shown,
)
from toolkit.rules import get
from toolkit.rules.common import Context
from toolkit.schema import SCHEMA_VERSION, columns_of, conform, version_tuple

CHUNK_ROWS = 4_000_000
SIGNATURE = "manifest.json.sig"
REQUIRED_FILES = (
    "articles.parquet",
    "sentences.parquet",
    "retractions.csv",
    "codebook/codebook.yaml",
    "README.md",
    "CHANGES.md",
)


def _rule(rule_id: str, where: str | None, **values: Any) -> pl.DataFrame:
    """One finding of ``rule_id`` about file ``where``, its message from the rule's template."""
    return F.single(rule_id, get(rule_id).text(**values), file=where)


def run_checks(release_dir: Path, options: CheckOptions) -> F.Report:
    if not release_dir.is_dir():
        raise InputError("no such release folder", release_dir)
    if release_dir.resolve().name.startswith("."):
        raise InputError(
            "not a release: hidden folders are unfinished builds (.tmp-VERSION-PID), never releases; "
            "delete it and build again",
            release_dir,
        )
    if options.engine == "spark":
        from toolkit import spark_engine

        spark_engine.session(options.spark_master)  # no pyspark or no Java: exit 2 before any reading
    out = F.Bounded(options.max_examples)
    try:
        release = open_release(
            release_dir,
            max_manifest_bytes=options.max_manifest_bytes,
            max_resources=options.max_resources,
            max_partitions=options.max_partitions,
        )
    except LimitError:
        raise  # refused whole (exit 2): the limit and its option are in the message
    except InputError as exc:
        if not os.path.lexists(release_dir / "manifest.json"):
            raise
        out.add(
            _rule(
                "R107",
                "manifest.json",
                detail=exc.message.removeprefix("manifest.json: ").removeprefix("manifest.json "),
            )
        )
        return out.report({"files": 0})
    manifest = release.manifest
    counts: dict[str, int] = {}
    intact = check_integrity(release, out, counts, options)
    if not intact:
        # Event rules on files that fail their checksums would report noise, or not read at all.
        return out.report(counts)
    cb = _snapshot(release, out, options)
    if cb is None:
        return out.report(counts)
    check_snapshot(cb, manifest, out, options)
    check_code_tables(release, cb, out, options)
    # Only the files the manifest lists are data (a stray file is R105, not events).
    events_files = [release.files[r] for r in release.event_files()]
    try:
        counts["events"] = check_events(
            release, events_files, cb, out, options.progress, options.engine, options.spark_master
        )
        options.progress.stage("checked unique ids and duplicates", counts["events"])
    except pl.exceptions.PolarsError as exc:
        out.add(_rule("R111", "events", file="events", kind="events", detail=_first_line(exc)))
        return out.report(counts)
    check_ids(release, out)
    if options.key is not None:
        from toolkit.signing import verify_signature

        problem = verify_signature(release, options.key)
        if problem:
            out.add(_rule("R114", SIGNATURE, detail=problem))
    if options.previous is None and not options.find_previous:
        out.notes.append("nothing was compared with a previous release (--no-previous)")
    else:
        prev = locate_previous(release, options, out)
        if prev is not None:
            check_against_previous(release, prev, manifest, out, options)
            counts["previous"] = 1
    options.progress.done()
    return out.report(counts)


def codebook_version(manifest: dict[str, Any]) -> Any:
    cb = manifest.get("codebook")
    return cb.get("version") if isinstance(cb, dict) else None


def _first_line(exc: BaseException) -> str:
    lines = str(exc).splitlines()
    return lines[0] if lines else type(exc).__name__


# ----------------------------------------------------------------------------------- integrity
def check_integrity(
    release: Release, out: F.Bounded, counts: dict[str, int], options: CheckOptions | None = None
) -> bool:
    """Containment, checksums, sizes, row counts, extra files, schema and Parquet metadata. False
    when the release is too broken for the event rules to mean anything.

    Only files the manifest lists, inside the folder, regular and of the size their entry gives,
    are opened, and each for at most that many bytes."""
    options = options or CheckOptions()
    manifest = release.manifest
    required = ("name", "version", "schema_version", "codebook", "resources")
    missing = [k for k in required if k not in manifest]
    if missing or not isinstance(manifest.get("resources"), list):
        out.add(
            _rule("R107", "manifest.json", detail=f"missing or malformed {', '.join(missing) or 'resources'}")
        )
        return False
    ok = True
    if not isinstance(manifest.get("codebook"), dict):
        out.add(_rule("R107", "manifest.json", detail="codebook must be an object with name and version"))
        ok = False
    for problem in release.malformed:
        out.add(_rule("R107", "manifest.json", detail=problem))
        ok = False
    for rel, why in sorted(release.refused.items()):
        out.add(_rule("R109", shown(rel), file=shown(rel), detail=why))
        ok = False
    for rel in sorted(release.missing):
        out.add(_rule("R104", rel, file=rel, detail="listed in the manifest but missing"))
        ok = False
    for rel, path in sorted(release.files.items()):
        ok &= _check_file(release, rel, path, out, options)
    ok &= _check_unlisted(release, out)
    # A file deleted together with its manifest entry is still missing: every build writes these.
    listed = set(release.entries)
    has_events = "events.parquet" in listed or any(p.startswith("events/") for p in listed)
    for rel in [*REQUIRED_FILES, *([] if has_events else ["events.parquet"])]:
        if rel not in listed:
            out.add(_rule("R104", rel, file=rel, detail="missing and not even listed in the manifest"))
            ok = False
    counts["files"] = len(listed)
    return ok


def _check_file(release: Release, rel: str, path: Path, out: F.Bounded, options: CheckOptions) -> bool:
    res = release.entries[rel]
    declared = res.get("bytes")
    if not isinstance(declared, int) or isinstance(declared, bool) or declared < 0:
        out.add(_rule("R107", "manifest.json", detail=f"{rel} has no byte size (bytes)"))
        return False
    if declared > options.max_file_bytes:
        detail = (
            f"the manifest says {declared} bytes, over the limit of {options.max_file_bytes} "
            "(raise it with --max-file-bytes)"
        )
        out.add(_rule("R110", rel, file=rel, detail=detail))
        return False
    size = path.lstat().st_size
    if size != declared:
        # Never read a file that is not the size its entry gives: the entry is the read limit.
        out.add(_rule("R102", rel, file=rel, actual=size, expected=declared))
        return False
    try:
        digest = sha256_member(path, declared)
    except UnsafePath as exc:
        out.add(_rule("R109", rel, file=rel, detail=exc.detail))
        return False
    if digest != res.get("sha256"):
        expected = shown(str(res.get("sha256"))[:12])
        out.add(_rule("R101", rel, file=rel, actual=f"{digest[:12]}...", expected=f"{expected}..."))
        return False
    try:
        with open_member(path, declared) as fh:
            if rel.endswith(".parquet"):
                pf = pq.ParquetFile(fh)
                if "rows" in res and pf.metadata.num_rows != res["rows"]:
                    out.add(_rule("R103", rel, file=rel, actual=pf.metadata.num_rows, expected=res["rows"]))
                    return False
                return _check_parquet_meta(pf, rel, release.manifest, out)
            if "rows" in res:
                rows = max(0, fh.read(declared).decode("utf-8").count("\n") - 1)
                if rows != res["rows"]:
                    out.add(_rule("R103", rel, file=rel, actual=rows, expected=res["rows"]))
                    return False
    except UnsafePath as exc:
        out.add(_rule("R109", rel, file=rel, detail=exc.detail))
        return False
    except UnicodeDecodeError as exc:
        out.add(_rule("R111", rel, file=rel, kind="UTF-8 text", detail=f"byte {exc.start} is not UTF-8"))
        return False
    except Exception as exc:  # noqa: BLE001 - a corrupt file is a finding, not a crash
        out.add(
            _rule(
                "R111",
                rel,
                file=rel,
                kind="Parquet" if rel.endswith(".parquet") else "text",
                detail=shown(_first_line(exc)),
            )
        )
        return False
    return True


def _check_unlisted(release: Release, out: F.Bounded) -> bool:
    """Files in the folder that the manifest does not list: R105 for regular files (never read),
    R109 for links and special files, which a release never holds."""
    ok = True
    root = release.root
    for folder, dirs, files in os.walk(root, followlinks=False):
        base = Path(folder)
        for name in sorted([*dirs, *files]):
            path = base / name
            rel = path.relative_to(root).as_posix()
            st = os.lstat(path)
            if stat.S_ISDIR(st.st_mode) or rel == "manifest.json" or rel in release.entries:
                continue
            if rel == SIGNATURE and stat.S_ISREG(st.st_mode):
                continue  # checked with --key (R114)
            if stat.S_ISLNK(st.st_mode):
                out.add(_rule("R109", shown(rel), file=shown(rel), detail="is a symbolic link"))
                ok = False
            elif not stat.S_ISREG(st.st_mode):
                out.add(_rule("R109", shown(rel), file=shown(rel), detail="is not a regular file"))
                ok = False
            else:
                out.add(_rule("R105", shown(rel), file=shown(rel), hint=": remove it or rebuild"))
    return ok


def _check_parquet_meta(pf: pq.ParquetFile, rel: str, manifest: dict[str, Any], out: F.Bounded) -> bool:
    kv = {
        k.decode("utf-8", "replace"): v.decode("utf-8", "replace")
        for k, v in (pf.metadata.metadata or {}).items()
    }
    expected = {
        "evtk.dataset": manifest.get("name"),
        "evtk.version": manifest.get("version"),
        "evtk.codebook_version": codebook_version(manifest),
        "evtk.schema_version": manifest.get("schema_version"),
    }
    ok = True
    for key, want in expected.items():
        if kv.get(key) != want:
            out.add(
                _rule(
                    "R108",
                    rel,
                    file=rel,
                    key=key,
                    actual=shown(repr(kv.get(key))),
                    expected=shown(repr(want)),
                )
            )
    if rel.startswith("events"):
        if rel.startswith("events/") and not re.fullmatch(
            r"events/year=(-?\d{1,4}|__HIVE_DEFAULT_PARTITION__)/[^/]+", rel
        ):
            detail = "partition folders are events/year=YYYY/"
            out.add(_rule("R111", rel, file=rel, kind="an events partition", detail=detail))
            return False
        schema_major = str(manifest.get("schema_version", "")).split(".")[0]
        if schema_major != SCHEMA_VERSION.split(".")[0]:
            detail = (
                f"schema version {shown(str(manifest.get('schema_version')))} is not readable by "
                f"this toolkit (schema {SCHEMA_VERSION}): upgrade evtk"
            )
            out.add(_rule("R106", rel, file=rel, detail=detail))
            return False
        got = pl.from_arrow(pf.schema_arrow.empty_table()).schema  # type: ignore[union-attr]
        stated = str(manifest.get("schema_version", ""))
        # a release of an older 1.x schema lacks the columns added since (readers fill them)
        want_cols = {k: v for k, v in columns_of(stated).items() if not (k == "year" and "year=" in rel)}
        problems = [f"column {k} missing" for k in want_cols if k not in got]
        strangers = [f"unexpected column {shown(k)}" for k in got if k not in want_cols]
        if strangers and version_tuple(stated) > version_tuple(SCHEMA_VERSION):
            strangers[0] += (
                f" (the manifest's schema {shown(stated)} is newer than this toolkit's {SCHEMA_VERSION}: "
                "upgrade evtk)"
            )
        problems += strangers
        problems += [
            f"column {k} is {got[k]}, expected {v}" for k, v in want_cols.items() if k in got and got[k] != v
        ]
        if problems:
            out.add(_rule("R106", rel, file=rel, detail="; ".join(problems[:5])))
            return False
    return ok


def _snapshot(release: Release, out: F.Bounded, options: CheckOptions) -> Codebook | None:
    try:
        return release.codebook(options.max_file_bytes)
    except InputError as exc:  # CodebookError is one
        out.add(_rule("R107", "codebook", detail=f"codebook snapshot: {shown(str(exc))}"))
        return None


def check_snapshot(cb: Codebook, manifest: dict[str, Any], out: F.Bounded, options: CheckOptions) -> None:
    """The codebook rules (C1xx) on the snapshot, then the snapshot against the codebook of the
    same version when one is available (R113)."""
    from toolkit.codebook import load_codebook
    from toolkit.rules.codebook import check_codebook

    named = codebook_version(manifest)
    if cb.version != named:
        text = get("R108").text(
            file="codebook/codebook.yaml",
            key="version",
            actual=shown(repr(cb.version)),
            expected=shown(repr(named)),
        )
        out.add(F.single("R108", text, file="codebook/codebook.yaml"))

    report = check_codebook(cb)
    out.add(
        report.findings.with_columns(file=pl.lit("codebook/") + pl.col("file").fill_null("codebook.yaml"))
    )
    try:
        ref = load_codebook(options.codebook)
    except InputError as exc:
        out.notes.append(f"the codebook snapshot was not compared with a codebook: {shown(str(exc))}")
        return
    where = shown(str(ref.path))
    if ref.version != cb.version:
        out.notes.append(
            f"the codebook snapshot {shown(cb.version)} was not compared: the codebook at {where} is "
            f"{shown(ref.version)} (pass --codebook DIR of version {shown(cb.version)})"
        )
        return
    old = ref.events.select(SNAPSHOT_FIELDS)
    new = cb.events.select(SNAPSHOT_FIELDS)
    changed_codes = (
        pl.concat(
            [
                old.join(new, on=SNAPSHOT_FIELDS, how="anti", nulls_equal=True),
                new.join(old, on=SNAPSHOT_FIELDS, how="anti", nulls_equal=True),
            ]
        )
        .select("code")
        .unique()
        .sort("code")["code"]
        .to_list()
    )
    ev_files = cb.events.select("code", "file").unique("code")
    for rel in sorted(set(ref.sources) | set(cb.sources)):
        if ref.sources.get(rel) == cb.sources.get(rel):
            continue
        in_file = set(ev_files.filter(pl.col("file") == rel)["code"].to_list())
        codes = [c for c in changed_codes if c in in_file] if rel.startswith("events/") else []
        detail = (
            " (the reference has no such file)"
            if rel not in ref.sources
            else " (missing from the snapshot)"
            if rel not in cb.sources
            else f": code {', '.join(codes[:5])} changed"
            if codes
            else ""
        )
        text = get("R113").text(file=shown(rel), version=shown(cb.version), reference=where, detail=detail)
        out.add(F.single("R113", text, file=f"codebook/{shown(rel)}"))


SNAPSHOT_FIELDS = ["code", "name", "goldstein", "quad_class", "replaced_by"]


def check_code_tables(release: Release, cb: Codebook, out: F.Bounded, options: CheckOptions) -> None:
    """R116: the flat code tables say what the codebook snapshot says (a release built before
    they existed has none: a note)."""
    for rel, want in code_tables(cb).items():
        if rel not in release.entries:
            out.notes.append(f"{rel} is not in the release (built before evtk wrote flat code tables)")
            continue
        if rel not in release.files:
            continue  # missing or refused: R104 / R109
        with open_member(release.files[rel], release.limit(rel, options.max_file_bytes)) as fh:
            got = pl.read_parquet(fh)
        if got.schema != want.schema:
            have = ", ".join(f"{k} {v}" for k, v in got.schema.items())
            detail = (
                f"columns {shown(have)}, expected {', '.join(f'{k} {v}' for k, v in want.schema.items())}"
            )
        elif got.equals(want):
            continue
        else:
            key = want.columns[0]
            changed = (
                pl.concat(
                    [
                        got.join(want, on=want.columns, how="anti", nulls_equal=True),
                        want.join(got, on=want.columns, how="anti", nulls_equal=True),
                    ]
                )[key]
                .unique()
                .sort()
            )
            detail = (
                f"{changed.len()} {key}(s) differ, e.g. {shown(str(changed[0]))}"
                if changed.len()
                else "the rows are in another order"
            )
        out.add(_rule("R116", rel, file=rel, detail=detail))


# ----------------------------------------------------------------------------------- event rules
class ReleaseSource:
    """The events of a release (only the files its manifest lists) as prepared chunks: slices of
    at most ``chunk_rows`` rows of one Parquet file, in the same columns validation checks."""

    def __init__(
        self, files: list[Path], cb: Codebook, published: pl.DataFrame | None, chunk_rows: int
    ) -> None:
        self.files, self.cb, self.published, self.chunk_rows = files, cb, published, chunk_rows
        self.slices = [
            (path, offset)
            for path in files
            for offset in range(0, max(pq.ParquetFile(path).metadata.num_rows, 1), chunk_rows)
        ]

    def chunks(self) -> Iterator[pl.DataFrame]:
        for i in range(len(self.slices)):
            yield self.chunk(i).collect()

    def chunk(self, index: int) -> pl.LazyFrame:
        path, offset = self.slices[index]
        lf = checks.from_release(conform(pl.scan_parquet(path)).slice(offset, self.chunk_rows))
        return checks.join_reference(lf, self.cb, self.published)


def check_events(
    release: Release,
    files: list[Path],
    cb: Codebook,
    out: F.Bounded,
    progress: Progress = NULL,
    engine_name: str = "polars",
    spark_master: str = "local[*]",
) -> int:
    """Every event rule on the release's events, through the same engine as ``evtk validate``
    (``engine_name="spark"``: the same plans as Spark tasks, :mod:`toolkit.spark_engine`)."""
    have = release.files
    articles = pl.read_parquet(have["articles.parquet"]) if "articles.parquet" in have else None
    sentences = pl.read_parquet(have["sentences.parquet"]) if "sentences.parquet" in have else None
    published = articles.select("article_id", "published") if articles is not None else None
    source = ReleaseSource(files, cb, published, CHUNK_ROWS)
    ctx = Context(cb, published, sentences)
    if engine_name == "spark":
        from toolkit import spark_engine

        # absolute paths: tasks run in another working directory
        source = ReleaseSource([p.absolute() for p in files], cb, published, CHUNK_ROWS)
        total, _ = spark_engine.run(
            source, len(source.slices), ctx, out, master=spark_master, scope="release"
        )
        return total
    total, _ = engine.run(
        source, ctx, out, on_chunk=lambda n: progress.stage("checked events", n), scope="release"
    )
    return total


def content_key() -> pl.Expr:
    """What makes two events "the same event coded twice" (E502's key, see
    :data:`toolkit.rules.duplicates.CONTENT_KEY`) in release columns, as one string, for the
    duplicate-rate drift metric; a missing part is its own marker."""
    parts = [
        pl.coalesce(pl.col("article_id"), pl.col("source_url")),
        pl.col("sentence").cast(pl.String),
        pl.col("event_date").cast(pl.String),
        pl.col("source_actor"),
        pl.col("target_actor"),
        pl.col("event_code"),
    ]
    return pl.concat_str([p.fill_null("\x00") for p in parts], separator="\x1f")


def check_ids(release: Release, out: F.Bounded) -> None:
    """R112: every event id is ``file#local_id`` of its own row (one streaming pass, no row loop)."""
    # the file's path without its extension (as validate builds ids: see validate._paths)
    key = pl.col("file").str.replace(r"\.[^./]*$", "")
    expected = pl.concat_str(key, pl.lit("#"), pl.col("local_id"))
    bad = (
        scan_events(release)
        .select("event_id", expected=expected)
        .filter(~pl.col("event_id").eq_missing(pl.col("expected")))
    )
    found = F.make(
        bad,
        "R112",
        get("R112").expr(
            id=pl.col("event_id").fill_null("(none)"), expected=pl.col("expected").fill_null("?")
        ),
        file=pl.lit("events"),
        event_id=pl.col("event_id"),
    )
    out.add_capped(bad, found, "R112")


# ----------------------------------------------------------------------------------- previous release
def _version_of(path: Path) -> str | None:
    try:
        version = read_manifest(path).get("version")
    except InputError:
        return None
    return version if isinstance(version, str) else None


def _siblings(release: Release) -> dict[str, Path]:
    """Releases next to ``release`` by the version their manifests give (never by folder name);
    hidden folders and links are never releases."""
    found: dict[str, Path] = {}
    here = release.root.resolve()
    for p in sorted(release.root.parent.iterdir()) if release.root.parent.is_dir() else []:
        if p.name.startswith(".") or p.is_symlink() or not p.is_dir() or p.resolve() == here:
            continue
        version = _version_of(p)
        if version is not None and semver.is_valid(version):
            found.setdefault(version, p)
    return found


def locate_previous(release: Release, options: CheckOptions, out: F.Bounded) -> Release | None:
    """The previous release to compare with: ``--previous``, else the one whose manifest has the
    version this manifest names. It must pass its own integrity checks. When there is nothing to
    compare, a note says why."""
    manifest = release.manifest
    named = manifest.get("previous_version")
    version = str(manifest.get("version"))
    label = shown(str(named))
    if named is not None and not isinstance(named, str):
        out.add(_rule("R107", "manifest.json", detail="previous_version must be a version string or null"))
        return None
    if options.previous is not None:
        try:
            prev = open_release(options.previous)
        except InputError as exc:
            out.add(
                _rule(
                    "R205",
                    str(options.previous),
                    previous=shown(str(options.previous)),
                    detail=shown(exc.message),
                )
            )
            out.notes.append("nothing was compared with a previous release: --previous cannot be read")
            return None
        got = shown(str(prev.manifest.get("version")))
        if named is None:
            detail = f"the manifest names no previous release, but --previous is {got}: compared with it"
            out.add(_rule("R205", "manifest.json", previous=got, detail=detail))
        elif prev.manifest.get("version") != named:
            detail = f"--previous is version {got}, but the manifest names {label} as the previous release"
            out.add(_rule("R205", "manifest.json", previous=label, detail=detail))
    elif named is not None:
        path = _siblings(release).get(named)
        if path is None:
            detail = (
                f"the manifest names it, but no release with version {label} is next to this one in "
                f"{shown(str(release.root.parent))}: pass --previous DIR, or --no-previous to skip"
            )
            out.add(_rule("R205", "manifest.json", previous=label, detail=detail))
            out.notes.append(f"nothing was compared with a previous release: {label} was not found")
            return None
        prev = open_release(path)
    else:
        older = [
            v
            for v in _siblings(release)
            if semver.is_valid(version) and semver.parse(v) < semver.parse(version)
        ]
        if not older:
            out.notes.append(
                "nothing was compared with a previous release: the manifest names none (first release)"
            )
            return None
        latest = max(older, key=semver.parse)
        detail = (
            f"the manifest names no previous release, but {latest} is older and next to it: compared with it"
        )
        out.add(_rule("R205", "manifest.json", previous=shown(latest), detail=detail))
        prev = open_release(_siblings(release)[latest])
    check_chain(release, prev, out)
    checked = F.Bounded(1)
    if not check_integrity(prev, checked, {}, options):
        first = checked.kept["message"][0] if checked.kept.height else "it is incomplete"
        detail = f"fails its own checks ({shown(first)}): run evtk release check on it"
        out.add(
            _rule("R205", "manifest.json", previous=shown(str(prev.manifest.get("version"))), detail=detail)
        )
        out.notes.append("nothing was compared with a previous release: it failed its own checks")
        return None
    return prev


def check_chain(release: Release, prev: Release, out: F.Bounded) -> None:
    """R207: this manifest records the sha256 of the previous release's manifest."""
    recorded = release.manifest.get("previous_manifest_sha256")
    actual = sha256_member(prev.root / "manifest.json", MAX_MANIFEST_BYTES)
    label = shown(str(prev.manifest.get("version")))
    if recorded is None and release.manifest.get("previous_version") is None:
        return  # names no previous release at all: R205 says so
    if recorded is None:
        detail = f"it records no previous_manifest_sha256 for {label}: rebuild it with this evtk"
    elif recorded != actual:
        detail = (
            f"the manifest of {label} has sha256 {actual[:12]}..., this manifest records "
            f"{shown(str(recorded))[:12]}...: the previous release was rewritten or swapped"
        )
    else:
        return
    out.add(_rule("R207", "manifest.json", detail=detail))


def check_against_previous(
    release: Release, prev_release: Release, manifest: dict[str, Any], out: F.Bounded, options: CheckOptions
) -> None:
    root = release.root
    prev_manifest = prev_release.manifest
    prev_name = shown(str(prev_manifest.get("version")))
    retractions = load(root, "retractions").collect()
    new_ids = scan_events(release).select("event_id")
    old = scan_events(prev_release).select("event_id")
    removed = (
        old.join(new_ids, on="event_id", how="anti")
        .join(retractions.lazy().select("event_id", "reason"), on="event_id", how="left")
        .collect()
    )
    unexplained = removed.filter(pl.col("reason").is_null())
    out.add(
        F.make(
            unexplained.lazy(),
            "R201",
            get("R201").expr(
                id=pl.col("event_id"),
                previous=prev_name,
                hint=": add it to data/retractions.csv with a reason, or restore it",
            ),
            file=pl.lit("events"),
            event_id=pl.col("event_id"),
        ).collect()
    )
    # retractions.csv is cumulative: retractions carried over from earlier releases are not stale
    earlier = (
        load(prev_release.root, "retractions").select("event_id")
        if "retractions.csv" in prev_release.files
        else pl.LazyFrame(schema={"event_id": pl.String})
    )
    stale = (
        retractions.lazy()
        .join(old, on="event_id", how="anti")
        .join(earlier, on="event_id", how="anti")
        .collect()
    )
    out.add(
        F.make(
            stale.lazy(),
            "R204",
            pl.format("retraction of {}: no such event in {}", pl.col("event_id"), pl.lit(prev_name)),
            file=pl.lit("retractions.csv"),
            event_id=pl.col("event_id"),
        ).collect()
    )
    _check_bump(manifest, prev_manifest, removed.height, unexplained.height, out)
    check_reused_ids(release, prev_release, prev_name, out)
    _check_drift(release, prev_release, out, options)


def _check_bump(
    new: dict[str, Any], old: dict[str, Any], removed: int, unexplained: int, out: F.Bounded
) -> None:
    v_new, v_old = str(new.get("version")), str(old.get("version"))
    if not (semver.is_valid(v_new) and semver.is_valid(v_old)):
        out.add(_bump_finding(v_new, v_old, ": both must be MAJOR.MINOR.PATCH"))
        return
    kind = semver.bump_kind(v_old, v_new)
    if kind is None:
        out.add(_bump_finding(v_new, v_old, ": the new version must be greater"))
        return
    schema_changed = (
        str(new.get("schema_version", "")).split(".")[0] != str(old.get("schema_version", "")).split(".")[0]
    )
    codebook_changed = codebook_version(new) != codebook_version(old)
    need = "major" if schema_changed else "minor" if (codebook_changed or removed) else "patch"
    rank = {"patch": 0, "minor": 1, "major": 2}
    if rank[kind] < rank[need]:
        why = (
            "the events schema changed (major)"
            if schema_changed
            else "the codebook version changed (at least minor)"
            if codebook_changed
            else f"{removed - unexplained} event(s) were retracted (at least minor)"
            if not unexplained
            else f"{removed} event(s) were removed, {unexplained} of them without a retraction (at least minor)"
        )
        out.add(_bump_finding(v_new, v_old, f" is a {kind} bump but {why}"))


def _bump_finding(v_new: str, v_old: str, detail: str) -> pl.DataFrame:
    return F.single(
        "R202", get("R202").text(version=v_new, previous=v_old, detail=detail), file="manifest.json"
    )


REUSE_FIELDS = ("article_id", "sentence")


def sentence_texts(release: Path | Release) -> pl.LazyFrame | None:
    """``article_id``, ``sentence``, ``text`` of a release's sentences table (None without one)."""
    rel = release if isinstance(release, Release) else open_release(release)
    if "sentences.parquet" not in rel.files:
        return None
    return sentence_keys(pl.scan_parquet(rel.path("sentences.parquet")))


def sentence_keys(sentences: pl.LazyFrame) -> pl.LazyFrame:
    """``article_id``, ``sentence`` (Int64, as :func:`reused_ids` joins it) and ``text``."""
    return sentences.select("article_id", pl.col("sentence").cast(pl.Int64), "text")


def reused_ids(
    old: pl.LazyFrame,
    new: pl.LazyFrame,
    old_sentences: pl.LazyFrame | None = None,
    new_sentences: pl.LazyFrame | None = None,
) -> pl.LazyFrame:
    """Ids in both releases with ``article_id``, ``sentence`` and ``quote`` of each (``*_new``), and
    ``moved``: the id names another article, or another sentence. A sentence that only got another
    number (an article re-segmented with ``articles add --replace --remap``, its sentence's text the
    same) is not another sentence; without both sentences tables the number decides."""
    cols = ["event_id", "article_id", pl.col("sentence").cast(pl.Int64), "quote"]
    joined = old.select(cols).join(new.select(cols), on="event_id", how="inner", suffix="_new")
    renumbered = ~pl.col("sentence").eq_missing(pl.col("sentence_new"))
    if old_sentences is not None and new_sentences is not None:
        joined = joined.join(old_sentences, on=["article_id", "sentence"], how="left").join(
            new_sentences.rename({"text": "text_new"}),
            left_on=["article_id_new", "sentence_new"],
            right_on=["article_id", "sentence"],
            how="left",
        )
        renumbered = renumbered & ~(
            pl.col("text").is_not_null() & pl.col("text").eq_missing(pl.col("text_new"))
        )
    return joined.with_columns(
        moved_article=~pl.col("article_id").eq_missing(pl.col("article_id_new")), moved_sentence=renumbered
    ).with_columns(moved=pl.col("moved_article") | pl.col("moved_sentence"))


def _short(col: str) -> pl.Expr:
    return pl.col(col).cast(pl.String).str.slice(0, 60).fill_null("(none)")


def check_reused_ids(release: Release, prev: Release, prev_name: str, out: F.Bounded) -> None:
    """R206: an id kept across releases still names the same article and sentence; R210: one whose
    quote changed within its sentence (an edit, or another event under an old name)."""
    joined = (
        reused_ids(scan_events(prev), scan_events(release), sentence_texts(prev), sentence_texts(release))
        .collect()
        .lazy()
    )
    for col in REUSE_FIELDS:
        changed = joined.filter(pl.col(f"moved_{col.removesuffix('_id')}"))
        out.add_capped(
            changed,
            F.make(
                changed,
                "R206",
                get("R206").expr(
                    id=pl.col("event_id"),
                    previous=prev_name,
                    what=col,
                    old=_short(col),
                    new=_short(f"{col}_new"),
                ),
                file=pl.lit("events"),
                event_id=pl.col("event_id"),
            ),
            "R206",
        )
    requoted = joined.filter(~pl.col("moved") & ~pl.col("quote").eq_missing(pl.col("quote_new")))
    out.add_capped(
        requoted,
        F.make(
            requoted,
            "R210",
            get("R210").expr(
                id=pl.col("event_id"), previous=prev_name, old=_short("quote"), new=_short("quote_new")
            ),
            file=pl.lit("events"),
            event_id=pl.col("event_id"),
        ),
        "R210",
    )


def _shares(lf: pl.LazyFrame, col: str) -> dict[str, float]:
    df = lf.group_by(col).len().collect()
    total = max(int(df["len"].sum()), 1)
    return {str(k): int(v) / total for k, v in df.iter_rows()}


def _check_drift(release: Release, prev: Release, out: F.Bounded, options: CheckOptions) -> None:
    t = options.drift
    new, old = scan_events(release), scan_events(prev)
    for col, label, threshold in (
        ("quad_class", "share of quad class", t.quad_share),
        ("source_name", "share of events from source", t.source_share),
    ):
        a, b = _shares(old, col), _shares(new, col)
        for key in sorted(set(a) | set(b)):
            if abs(a.get(key, 0.0) - b.get(key, 0.0)) > threshold:
                out.add(_drift(f"{label} {key}", a.get(key, 0.0), b.get(key, 0.0), threshold))
    rates = []
    for lf in (old, new):
        df = lf.select(n=pl.len(), u=content_key().n_unique()).collect()
        n = int(df["n"][0])
        rates.append((n - int(df["u"][0])) / n if n else 0.0)
    if abs(rates[1] - rates[0]) > t.duplicate_rate:
        out.add(_drift("duplicate rate", rates[0], rates[1], t.duplicate_rate))


def _drift(metric: str, old: float, new: float, threshold: float) -> pl.DataFrame:
    text = get("R203").text(metric=metric, old=f"{old:.1%}", new=f"{new:.1%}", threshold=f"{threshold:.0%}")
    return F.single("R203", text, file="events")
