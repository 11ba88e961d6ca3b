"""Duplicates (E501-E503): the one implementation, as a reduction that merges across chunks.

Finding duplicates needs every event, but never all of them in one place:

1. **Hash** (per chunk): a 64-bit hash of each event's local id and of its content key, with the
   chunk it came from. 12 bytes per row and key; chunks of any source, in any order.
2. **Merge**: hashes from all chunks are bucketed by their top bits (on disk once they outgrow a
   bounded buffer), and each bucket is sorted on its own; a hash seen twice is a *candidate*.
   Sorting beats a hash table here: 10M keys do not fit a cache-sized table.
3. **Confirm**: only the chunks that hold candidates are read again, only candidate rows are kept,
   and the exact rules run on the real values. A hash collision therefore never makes a finding;
   it only costs a little work. :func:`hash_expr` is the one seam tests use to force collisions.

The same three steps work when the chunks are spread over machines (step 2 is a shuffle by
bucket), which is why nothing here looks at more than one chunk or one bucket at a time.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Literal

import polars as pl

from toolkit import findings as F
from toolkit.agreement.codings import coding_expr
from toolkit.rules import rule
from toolkit.rules.common import C, Context

E501 = rule(
    "E501",
    "duplicate-id",
    "error",
    "Event ids are unique",
    "event id '{id}' is used {count} times in this file: ids must be unique within a file",
    "Local ids are unique within a file; the release id is derived from file, article and local id.",
)
E502 = rule(
    "E502",
    "duplicate-event",
    "warning",
    "The same event is not coded twice",
    "same article, sentence, date, source, target and code as event {other} in {file}: remove one of them",
    "Two identical codings of one sentence double-count the event. The first in file and line order "
    "is kept; each later one is reported. Events of different coders (files `ARTICLE.CODER.yaml`) are "
    "not duplicates of each other: they are the same article coded twice, measured by `evtk agree`.",
)
E503 = rule(
    "E503",
    "duplicate-event-id",
    "error",
    "Release event ids are unique",
    "event id {id} is also produced by {other}: two files with the same name (e.g. x.yaml and x.csv) "
    "cannot share local ids; rename one file",
    "The release-wide id (file path without extension, `#`, local id) must be unique; this fires when "
    "two files differ only in their extension, or a file was copied. In a release every row of a "
    "repeated id is reported.",
    variants={"release": "event id {id} occurs {count} times in the release: rebuild it from the data folder"},
)

#: What makes two events "the same event coded twice" (E502). ``_k1`` is the article, or the
#: source URL for imported events without article text.
CONTENT_KEY = ("_k1", "_coding", "_sentence", "_date", "_source", "_target", "_code")
BUCKET_BITS = 4
BUFFER_ROWS = 2_000_000  # hashes held in memory before they go to disk, per key (24 MiB)


def hash_expr(expr: pl.Expr) -> pl.Expr:
    """The 64-bit hash behind every duplicate check (tests replace it to force collisions)."""
    return expr.hash(seed=0)


def _id() -> pl.Expr:
    return C("_id")


def _content() -> pl.Expr:
    return pl.struct(CONTENT_KEY)


def _keyed(lf: pl.LazyFrame) -> pl.LazyFrame:
    # Codings of one article by different coders are compared by `evtk agree`, not reported as
    # duplicates: the content key includes the coding (see toolkit.agreement.codings).
    return lf.with_columns(
        _k1=pl.coalesce(C("_article"), C("url")), _coding=coding_expr("_file", "coder", "_method")
    )


KEYED = C("_code").is_not_null() & C("_date").is_not_null() & C("_k1").is_not_null()


def repeated_values(frame: pl.LazyFrame, value: str) -> pl.Series:
    """Values of column ``value`` that occur more than once, for one frame that fits (import):
    sorted hashes find candidates, grouping the candidates' real values confirms them."""
    frame = frame.filter(C(value).is_not_null())
    h = hash_expr(C(value))
    hashes = frame.select(h=h).sort("h")
    twice = hashes.filter(C("h") == C("h").shift(1)).unique().collect()["h"]
    if twice.len() == 0:
        return pl.Series(value, [], frame.collect_schema()[value])
    candidates = frame.filter(h.is_in(twice.implode())).select(value)
    return candidates.group_by(value).len().filter(C("len") > 1).collect()[value]


class _HashStore:
    """(hash, chunk) pairs of one key, bucketed by the hash's top bits; spills to disk."""

    def __init__(self, name: str, spill: Callable[[], Path]) -> None:
        self.name = name
        self._spill = spill
        self._mem: list[pl.DataFrame] = []
        self._rows = 0
        self._parts = 0

    def add(self, hashes: pl.DataFrame) -> None:
        self._mem.append(hashes)
        self._rows += hashes.height
        if self._rows > BUFFER_ROWS:
            self._flush()

    def _flush(self) -> None:
        if not self._mem:
            return
        d = self._spill()
        frame = pl.concat(self._mem).with_columns(_b=(C("h") // (1 << (64 - BUCKET_BITS))).cast(pl.UInt8))
        for (b,), part in frame.partition_by("_b", as_dict=True, include_key=False).items():
            part.write_ipc(d / f"{self.name}-{b:02d}-{self._parts:06d}.arrow")
        self._parts += 1
        self._mem, self._rows = [], 0

    def frames(self) -> Iterable[pl.DataFrame]:
        """Everything added so far, in pieces (for merging states)."""
        if self._parts:
            for f in sorted(self._spill().glob(f"{self.name}-*.arrow")):
                yield pl.read_ipc(f)
        yield from self._mem

    def repeated(self) -> pl.DataFrame:
        """(h, chunk) of every hash seen more than once, bucket by bucket."""
        empty = pl.DataFrame(schema={"h": pl.UInt64, "chunk": pl.UInt32})
        if self._parts == 0:
            buckets: Iterable[pl.DataFrame] = [pl.concat(self._mem)] if self._mem else []
        else:
            self._flush()
            d = self._spill()
            buckets = (
                pl.concat([pl.read_ipc(f) for f in sorted(d.glob(f"{self.name}-{b:02d}-*.arrow"))])
                for b in range(2**BUCKET_BITS)
                if any(d.glob(f"{self.name}-{b:02d}-*.arrow"))
            )
        out = []
        for bucket in buckets:
            s = bucket.sort("h")
            twice = s.filter((C("h") == C("h").shift(1)) | (C("h") == C("h").shift(-1)))
            if twice.height:
                out.append(twice)
        return pl.concat(out) if out else empty


class Duplicates:
    """The E501-E503 reduction: ``update`` with every chunk, ``merge`` partial states, then
    ``revisit`` names the chunks to read again and ``findings`` confirms on their rows.

    ``scope="files"`` (validation): local ids repeated in a file are E501, release ids repeated
    across files E503, and "first" is the first in file and line order. ``scope="release"``: a
    release has only release ids, so every row of a repeated id is E503, and "first" is the
    smallest event id."""

    def __init__(self, scope: Literal["files", "release"] = "files") -> None:
        self.scope = scope
        self._dir: Path | None = None
        self.ids = _HashStore("id", self._spill_dir)
        self.content = _HashStore("content", self._spill_dir)
        self._cand_ids: pl.Series | None = None
        self._cand_content: pl.Series | None = None
        self._revisit: list[int] | None = None

    def _spill_dir(self) -> Path:
        if self._dir is None:
            self._dir = Path(tempfile.mkdtemp(prefix="evtk-dups-"))
        return self._dir

    def close(self) -> None:
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def update(self, chunk: pl.DataFrame, index: int) -> None:
        ids = chunk.lazy().filter(_id().is_not_null()).select(h=hash_expr(_id()))
        content = _keyed(chunk.lazy()).filter(KEYED).select(h=hash_expr(_content()))
        tag = pl.lit(index, dtype=pl.UInt32).alias("chunk")
        a, b = pl.collect_all([ids.with_columns(tag), content.with_columns(tag)])
        self.ids.add(a)
        self.content.add(b)

    def merge(self, other: Duplicates) -> Duplicates:
        """Combine two partial states (chunks of one input checked apart)."""
        for mine, theirs in ((self.ids, other.ids), (self.content, other.content)):
            for frame in theirs.frames():
                mine.add(frame)
        other.close()
        return self

    def revisit(self) -> list[int]:
        """The chunks that hold candidate duplicates (none, in clean data)."""
        if self._revisit is None:
            rid, rcontent = self.ids.repeated(), self.content.repeated()
            self._cand_ids = rid["h"].unique()
            self._cand_content = rcontent["h"].unique()
            self._revisit = sorted(set(rid["chunk"].to_list()) | set(rcontent["chunk"].to_list()))
            self.close()
        return self._revisit

    def set_candidates(self, ids: pl.Series, content: pl.Series, chunks: list[int]) -> None:
        """The outcome of :meth:`revisit` computed elsewhere (the Spark engine groups the hashes
        in a Spark job): candidate id and content hashes, and the chunks that hold them."""
        self._cand_ids, self._cand_content, self._revisit = ids.unique(), content.unique(), sorted(chunks)
        self.close()

    def candidates(self, chunk: pl.DataFrame | pl.LazyFrame, index: int, ctx: Context) -> pl.DataFrame:
        """The rows of a revisited chunk whose id or content hash is a candidate, with what the
        exact rules need. ``index`` orders rows of different chunks (``_seq``)."""
        assert self._cand_ids is not None and self._cand_content is not None
        lf = _keyed(chunk.lazy())
        is_id = _id().is_not_null() & hash_expr(_id()).is_in(self._cand_ids.implode())
        is_content = KEYED & hash_expr(_content()).is_in(self._cand_content.implode())
        return (
            lf.with_row_index("_row")
            .filter(is_id | is_content)
            .select(
                "_file",
                "_line",
                (pl.lit(index, dtype=pl.UInt64) * (1 << 32) + C("_row").cast(pl.UInt64)).alias("_seq"),
                "_id",
                (C("event_id") if "event_id" in ctx.columns else C("_key") + "#" + C("_id")).alias("_eid"),
                ctx.line("id").alias("_line_id"),
                *CONTENT_KEY,
                is_id.alias("_is_id"),
                is_content.alias("_is_content"),
            )
            .collect()
        )

    def findings(self, rows: list[pl.DataFrame]) -> list[pl.LazyFrame]:
        """The exact rules on the candidate rows of every revisited chunk (real values, so a hash
        collision never makes a finding). The first occurrence is the first in file and line order."""
        if not rows:
            return []
        order = ["_file", "_line", "_seq"] if self.scope == "files" else ["_eid", "_seq"]
        cand = pl.concat(rows, how="vertical_relaxed").lazy().sort(order, nulls_last=True)
        ids = cand.filter(C("_is_id")).with_columns(_first_file=C("_file").first().over("_eid"))
        per_file = pl.len().over("_file", "_id")
        dup = (
            cand.filter(C("_is_content"))
            .with_columns(
                _rank=pl.int_range(pl.len()).over(CONTENT_KEY),
                _first=C("_id").first().over(CONTENT_KEY),
                _first_file=C("_file").first().over(CONTENT_KEY),
            )
            .filter(C("_rank") > 0)
        )
        where = {"file": C("_file"), "event_id": C("_id")}
        content = F.make(
            dup,
            "E502",
            E502.expr(other=C("_first"), file=C("_first_file")),
            line=C("_line"),
            column=None,
            **where,
        )
        if self.scope == "release":
            times = pl.len().over("_eid")
            return [
                F.make(
                    ids.filter(times > 1),
                    "E503",
                    E503.expr("release", id=C("_eid"), count=times),
                    line=C("_line_id"),
                    column="id",
                    **where,
                ),
                content,
            ]
        return [
            F.make(
                ids.filter(per_file > 1),
                "E501",
                E501.expr(id=C("_id"), count=per_file),
                line=C("_line_id"),
                column="id",
                **where,
            ),
            F.make(
                ids.filter(C("_first_file") != C("_file")),
                "E503",
                E503.expr(id=C("_eid"), other=C("_first_file")),
                line=C("_line_id"),
                column="id",
                **where,
            ),
            content,
        ]


def find(chunks: list[pl.DataFrame], ctx: Context, scope: Literal["files", "release"] = "files") -> pl.DataFrame:
    """E501-E503 over prepared ``chunks`` held in memory (tests and small inputs)."""
    d = Duplicates(scope)
    try:
        for i, chunk in enumerate(chunks):
            d.update(chunk, i)
        rows = [d.candidates(chunks[i], i, ctx.with_columns(chunks[i].columns)) for i in d.revisit()]
        return F.concat(d.findings(rows))
    finally:
        d.close()
