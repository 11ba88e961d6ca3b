"""``evtk release check``: integrity, schema, event rules and release-to-release rules.

Memory stays bounded on releases of any size: event rules run chunk by chunk (a chunk is a
slice of one Parquet file), and the global rules (unique ids, duplicate events) work on 64-bit
hashes of the key columns, verifying every hash collision against the real values, so they
stay global without holding every row's strings at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow.parquet as pq

from toolkit import engine, semver
from toolkit import fields as checks
from toolkit import findings as F
from toolkit.codebook import Codebook, load_codebook
from toolkit.errors import CodebookError, InputError
from toolkit.progress import NULL, Progress
from toolkit.release_io import CheckOptions, load, previous_release, read_manifest, scan_events, sha256_file
from toolkit.rules.common import Context
from toolkit.schema import EVENT_COLUMNS, SCHEMA_VERSION

CHUNK_ROWS = 4_000_000
REQUIRED_FILES = (
    "articles.parquet",
    "sentences.parquet",
    "retractions.csv",
    "codebook/codebook.yaml",
    "README.md",
    "CHANGES.md",
)


def run_checks(release_dir: Path, options: CheckOptions) -> F.Report:
    if not release_dir.is_dir():
        raise InputError("no such release folder", release_dir)
    if release_dir.resolve().name.startswith("."):
        raise InputError(
            "not a release: hidden folders are unfinished builds (.tmp-VERSION-PID), never releases; "
            "delete it and build again",
            release_dir,
        )
    out = F.Bounded(options.max_examples)
    try:
        manifest = read_manifest(release_dir)
    except InputError as exc:
        if not (release_dir / "manifest.json").exists():
            raise
        out.add(F.single("R107", f"manifest.json: {exc.message}", file="manifest.json"))
        return out.report({"files": 0})
    counts: dict[str, int] = {}
    intact = check_integrity(release_dir, manifest, out, counts)
    if not intact:
        # Event rules on files that fail their checksums would report noise, or not read at all.
        return out.report(counts)
    cb = _snapshot(release_dir, out)
    if cb is None:
        return out.report(counts)
    # Only the files the manifest lists are data (a stray file is R105, not events).
    events_files = sorted(
        release_dir / str(r["path"])
        for r in manifest["resources"]
        if str(r.get("path", "")).split("/")[0] in ("events", "events.parquet")
        and str(r["path"]).endswith(".parquet")
    )
    try:
        counts["events"] = check_events(release_dir, events_files, cb, out, options.progress)
        options.progress.stage("checked unique ids and duplicates", counts["events"])
    except pl.exceptions.PolarsError as exc:
        out.add(F.single("R101", f"events cannot be read: {str(exc).splitlines()[0]}", file="events"))
        return out.report(counts)
    prev = options.previous or (previous_release(release_dir) if options.find_previous else None)
    if prev is not None:
        check_against_previous(release_dir, prev, manifest, out, options)
        counts["previous"] = 1
    options.progress.done()
    return out.report(counts)


# ----------------------------------------------------------------------------------- integrity
def check_integrity(root: Path, manifest: dict[str, Any], out: F.Bounded, counts: dict[str, int]) -> bool:
    """Checksums, sizes, row counts, extra files, schema and Parquet metadata. False when the
    release is too broken for the event rules to mean anything."""
    required = ("name", "version", "schema_version", "codebook", "resources")
    missing = [k for k in required if k not in manifest]
    if missing or not isinstance(manifest.get("resources"), list):
        out.add(
            F.single(
                "R107",
                f"manifest.json: missing or malformed {', '.join(missing) or 'resources'}",
                file="manifest.json",
            )
        )
        return False
    listed = set()
    ok = True
    for res in manifest["resources"]:
        rel = str(res.get("path", ""))
        listed.add(rel)
        path = root / rel
        if not path.is_file():
            out.add(F.single("R104", f"{rel} is listed in the manifest but missing", file=rel))
            ok = False
            continue
        size = path.stat().st_size
        if size != res.get("bytes"):
            out.add(F.single("R102", f"{rel}: {size} bytes, the manifest says {res.get('bytes')}", file=rel))
            ok = False
        digest = sha256_file(path)
        if digest != res.get("sha256"):
            ok = False
            out.add(
                F.single(
                    "R101",
                    f"{rel}: sha256 {digest[:12]}... does not match the manifest's "
                    f"{str(res.get('sha256'))[:12]}...: the file changed after the build",
                    file=rel,
                )
            )
        if "rows" in res:
            try:
                rows = (
                    pq.ParquetFile(path).metadata.num_rows
                    if path.suffix == ".parquet"
                    else max(0, path.read_text(encoding="utf-8").count("\n") - 1)
                )
            except Exception as exc:  # noqa: BLE001 - a corrupt file is a finding, not a crash
                out.add(F.single("R101", f"{rel}: cannot be read ({str(exc).splitlines()[0]})", file=rel))
                ok = False
                continue
            if rows != res["rows"]:
                out.add(F.single("R103", f"{rel}: {rows} rows, the manifest says {res['rows']}", file=rel))
                ok = False
        if path.suffix == ".parquet":
            ok &= _check_parquet_meta(path, rel, manifest, out)
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = path.relative_to(root).as_posix()
        if rel != "manifest.json" and rel not in listed:
            out.add(F.single("R105", f"{rel} is not listed in the manifest: remove it or rebuild", file=rel))
    # A file deleted together with its manifest entry is still missing: every build writes these.
    has_events = "events.parquet" in listed or any(p.startswith("events/") for p in listed)
    for rel in [*REQUIRED_FILES, *([] if has_events else ["events.parquet"])]:
        if rel not in listed:
            out.add(F.single("R104", f"{rel} is missing and not even listed in the manifest", file=rel))
            ok = False
    counts["files"] = len(listed)
    return ok


def _check_parquet_meta(path: Path, rel: str, manifest: dict[str, Any], out: F.Bounded) -> bool:
    try:
        pf = pq.ParquetFile(path)
    except Exception as exc:  # noqa: BLE001
        out.add(
            F.single("R101", f"{rel}: not a readable Parquet file ({str(exc).splitlines()[0]})", file=rel)
        )
        return False
    kv = {k.decode(): v.decode() for k, v in (pf.metadata.metadata or {}).items()}
    expected = {
        "evtk.dataset": manifest.get("name"),
        "evtk.version": manifest.get("version"),
        "evtk.codebook_version": (manifest.get("codebook") or {}).get("version"),
        "evtk.schema_version": manifest.get("schema_version"),
    }
    for key, want in expected.items():
        if kv.get(key) != want:
            out.add(
                F.single("R108", f"{rel}: {key} is {kv.get(key)!r}, the manifest says {want!r}", file=rel)
            )
    if rel.startswith("events"):
        schema_major = str(manifest.get("schema_version", "")).split(".")[0]
        if schema_major != SCHEMA_VERSION.split(".")[0]:
            out.add(
                F.single(
                    "R106",
                    f"{rel}: schema version {manifest.get('schema_version')} is not readable by "
                    f"this toolkit (schema {SCHEMA_VERSION}): upgrade evtk",
                    file=rel,
                )
            )
            return False
        got = pl.read_parquet_schema(path)
        want_cols = {k: v for k, v in EVENT_COLUMNS.items() if not (k == "year" and "year=" in rel)}
        problems = [f"column {k} missing" for k in want_cols if k not in got]
        problems += [f"unexpected column {k}" for k in got if k not in want_cols]
        problems += [
            f"column {k} is {got[k]}, expected {v}" for k, v in want_cols.items() if k in got and got[k] != v
        ]
        if problems:
            out.add(F.single("R106", f"{rel}: " + "; ".join(problems[:5]), file=rel))
            return False
    return True


def _snapshot(root: Path, out: F.Bounded) -> Codebook | None:
    try:
        return load_codebook(root / "codebook")
    except CodebookError as exc:
        out.add(F.single("R107", f"codebook snapshot: {exc}", file="codebook"))
        return None


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
        lf = checks.from_release(pl.scan_parquet(path).slice(offset, self.chunk_rows))
        return checks.join_reference(lf, self.cb, self.published)


def check_events(
    root: Path, files: list[Path], cb: Codebook, out: F.Bounded, progress: Progress = NULL
) -> int:
    """Every event rule on the release's events, through the same engine as ``evtk validate``."""
    articles = pl.read_parquet(root / "articles.parquet") if (root / "articles.parquet").exists() else None
    sentences = pl.read_parquet(root / "sentences.parquet") if (root / "sentences.parquet").exists() else None
    published = articles.select("article_id", "published") if articles is not None else None
    source = ReleaseSource(files, cb, published, CHUNK_ROWS)
    ctx = Context(cb, published, sentences)
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


# ----------------------------------------------------------------------------------- previous release
def check_against_previous(
    root: Path, prev: Path, manifest: dict[str, Any], out: F.Bounded, options: CheckOptions
) -> None:
    try:
        prev_manifest = read_manifest(prev)
    except InputError as exc:
        out.add(F.single("R107", f"previous release {prev.name}: {exc.message}", file=str(prev)))
        return
    retractions = load(root, "retractions").collect()
    new_ids = scan_events(root).select("event_id")
    old = scan_events(prev).select("event_id")
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
            pl.format(
                "event {} was in {} and is gone without a retraction: add it to data/retractions.csv "
                "with a reason, or restore it",
                pl.col("event_id"),
                pl.lit(prev.name),
            ),
            file=pl.lit("events"),
            event_id=pl.col("event_id"),
        ).collect()
    )
    # retractions.csv is cumulative: retractions carried over from earlier releases are not stale
    earlier = (
        load(prev, "retractions").select("event_id")
        if (prev / "retractions.csv").is_file()
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
            pl.format("retraction of {}: no such event in {}", pl.col("event_id"), pl.lit(prev.name)),
            file=pl.lit("retractions.csv"),
            event_id=pl.col("event_id"),
        ).collect()
    )
    _check_bump(manifest, prev_manifest, removed.height, out)
    _check_drift(root, prev, out, options)


def _check_bump(new: dict[str, Any], old: dict[str, Any], removed: int, out: F.Bounded) -> None:
    v_new, v_old = str(new.get("version")), str(old.get("version"))
    if not (semver.is_valid(v_new) and semver.is_valid(v_old)):
        out.add(
            F.single(
                "R202", f"version {v_new} after {v_old}: both must be MAJOR.MINOR.PATCH", file="manifest.json"
            )
        )
        return
    kind = semver.bump_kind(v_old, v_new)
    if kind is None:
        out.add(
            F.single(
                "R202",
                f"version {v_new} after {v_old}: the new version must be greater",
                file="manifest.json",
            )
        )
        return
    schema_changed = (
        str(new.get("schema_version", "")).split(".")[0] != str(old.get("schema_version", "")).split(".")[0]
    )
    codebook_changed = (new.get("codebook") or {}).get("version") != (old.get("codebook") or {}).get(
        "version"
    )
    need = "major" if schema_changed else "minor" if (codebook_changed or removed) else "patch"
    rank = {"patch": 0, "minor": 1, "major": 2}
    if rank[kind] < rank[need]:
        why = (
            "the events schema changed (major)"
            if schema_changed
            else "the codebook version changed (at least minor)"
            if codebook_changed
            else f"{removed} event(s) were retracted (at least minor)"
        )
        out.add(
            F.single(
                "R202", f"version {v_new} after {v_old} is a {kind} bump but {why}", file="manifest.json"
            )
        )


def _shares(lf: pl.LazyFrame, col: str) -> dict[str, float]:
    df = lf.group_by(col).len().collect()
    total = max(int(df["len"].sum()), 1)
    return {str(k): int(v) / total for k, v in df.iter_rows()}


def _check_drift(root: Path, prev: Path, out: F.Bounded, options: CheckOptions) -> None:
    t = options.drift
    new, old = scan_events(root), scan_events(prev)
    for col, label, threshold in (
        ("quad_class", "share of quad class", t.quad_share),
        ("source_name", "share of events from source", t.source_share),
    ):
        a, b = _shares(old, col), _shares(new, col)
        for key in sorted(set(a) | set(b)):
            if abs(a.get(key, 0.0) - b.get(key, 0.0)) > threshold:
                out.add(
                    F.single(
                        "R203",
                        f"{label} {key} moved from {a.get(key, 0.0):.1%} to {b.get(key, 0.0):.1%} "
                        f"(threshold {threshold:.0%})",
                        file="events",
                    )
                )
    rates = []
    for lf in (old, new):
        df = lf.select(n=pl.len(), u=content_key().n_unique()).collect()
        n = int(df["n"][0])
        rates.append((n - int(df["u"][0])) / n if n else 0.0)
    if abs(rates[1] - rates[0]) > t.duplicate_rate:
        out.add(
            F.single(
                "R203",
                f"duplicate rate moved from {rates[0]:.1%} to {rates[1]:.1%} "
                f"(threshold {t.duplicate_rate:.0%})",
                file="events",
            )
        )
