"""Options shared by several commands, declared once."""

from __future__ import annotations

import enum
import re
import sys
from pathlib import Path
from typing import Annotated

import typer


class ReportFormat(enum.StrEnum):
    text = "text"
    json = "json"
    github = "github"


class Engine(enum.StrEnum):
    polars = "polars"
    spark = "spark"


class ShowFormat(enum.StrEnum):
    text = "text"
    json = "json"


CodebookOpt = Annotated[
    Path | None,
    typer.Option(
        "--codebook",
        help="Codebook directory (default: $EVTK_CODEBOOK, ./codebook, or the bundled one).",
        show_default=False,
    ),
]
FormatOpt = Annotated[ReportFormat, typer.Option("--format", "-f", help="Output format.")]
ShowFormatOpt = Annotated[ShowFormat, typer.Option("--format", "-f", help="Output format.")]
QuietOpt = Annotated[
    bool, typer.Option("--quiet", "-q", help="No progress display, only findings and summary.")
]
MaxExamplesOpt = Annotated[
    int, typer.Option("--max-examples", min=1, help="Findings shown per rule; counts stay exact.")
]
PrimaryOpt = Annotated[
    str | None,
    typer.Option(
        "--primary",
        help="Primary coder: the coding a release takes for an article coded twice and not adjudicated, "
        "and the first in pairing order (default: [coders] primary of DATA/evtk.toml).",
        show_default=False,
    ),
]
StrictOpt = Annotated[
    bool | None,
    typer.Option(
        "--strict/--no-strict",
        help="Warnings fail too (exit 1). Overrides [check] strict of DATA/evtk.toml.",
        show_default=False,
    ),
]
IgnoreOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--ignore",
        metavar="RULE,...",
        help="Rule ids or names to leave out of the findings and the exit status (comma-separated, "
        "repeatable). Adds to [check] ignore of DATA/evtk.toml.",
        show_default=False,
    ),
]
EncodingOpt = Annotated[str, typer.Option("--encoding", help="Encoding of text inputs (e.g. latin-1).")]
EngineOpt = Annotated[
    Engine,
    typer.Option(
        "--engine",
        help="Where the event rules run: polars in this process, or spark (needs "
        "pip install 'evtk[spark]' and Java 17+; see docs/scale.md). Same findings.",
    ),
]
SparkMasterOpt = Annotated[
    str,
    typer.Option(
        "--spark-master", help="Spark master URL for --engine spark (e.g. yarn, spark://HOST:7077)."
    ),
]


#: a URI as it reaches a command once the shell argument became a Path (``s3a://b/x`` -> ``s3a:/b/x``)
_URI = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+):/")


def _uri(value: Path | str) -> tuple[str, str] | None:
    """(scheme, URI) of an argument that is a URI and not an existing path, else None."""
    import os

    named = str(value)
    match = _URI.match(named)
    if match is None or os.path.lexists(value) or len(match.group(1)) == 1:  # C:/ on Windows
        return None
    uri = named if named[match.end() :].startswith("/") else named.replace(":/", "://", 1)
    return match.group(1).lower(), uri


def local_path(value: Path) -> Path:
    """A path argument as a local path. ``file://`` URIs are local paths; other URIs (``s3a://``,
    ``gs://``, ``hdfs://``, ``https://``) are refused with what to do instead: event files are read
    on this machine (releases are not: :func:`release_arg`)."""
    from urllib.parse import unquote

    from toolkit.errors import UsageError

    found = _uri(value)
    if found is None:
        return value
    scheme, uri = found
    if scheme == "file":  # file:///tmp/x, or file:/tmp/x once the shell argument became a Path
        named = str(value)
        rest = named[len("file://") :] if named.lower().startswith("file://") else named[len("file:") :]
        return Path(unquote(rest))
    raise UsageError(
        f"{scheme}:// URIs are not read here: event files are read from this machine. Copy them "
        "(aws s3 sync, gcloud storage rsync, hdfs dfs -get) or mount the bucket, and pass the local "
        "path; releases are read from s3://, gs://, hdfs:// and abfs:// (docs/scale.md)",
        uri,
    )


def release_arg(
    value: Path,
    *,
    writes: bool = False,
    with_previous: bool = False,
    max_manifest_bytes: int = 64 * 1024**2,
    max_file_bytes: int = 64 * 1024**3,
    max_resources: int = 100_000,
) -> Path:
    """A release named on the command line: a path is taken as given (the command says what is
    wrong with it); a version that is not a path resolves as ``toolkit.load`` resolves it,
    to data/releases/VERSION (``latest``: the highest there). A release in an object store
    (``s3://``, ``gs://``, ``hdfs://``, ``abfs://``) is fetched through its manifest into a
    temporary copy (:mod:`toolkit.remote`), with the previous release its manifest names when
    ``with_previous``; a command that ``writes`` into the release refuses it."""
    import os

    from toolkit import semver
    from toolkit.errors import UsageError
    from toolkit.release_io import resolve_release

    found = _uri(value)
    if found is not None:
        from toolkit import remote

        scheme, uri = found
        if scheme != "file" and not remote.is_remote(uri):
            raise UsageError(
                f"{scheme}:// URIs are not read: a release is a local folder or in an object store "
                f"({', '.join(sorted({f'{s}://' for s in remote.SCHEMES}))}); download it first",
                uri,
            )
        if remote.is_remote(uri):
            if writes:
                raise UsageError(
                    "a release in an object store is not changed in place: run this on a local copy, "
                    "then upload it",
                    uri,
                )
            return remote.fetch_release(
                uri,
                with_previous=with_previous,
                max_manifest_bytes=max_manifest_bytes,
                max_file_bytes=max_file_bytes,
                max_resources=max_resources,
            )
    value = local_path(value)
    named = str(value)
    if os.path.lexists(value) or not (semver.is_valid(named) or named == "latest"):
        return value
    return resolve_release(named)


def check_policy(near: list[Path], ignore: list[str] | None, strict: bool | None) -> tuple[list[str], bool]:
    """``--ignore`` and ``--strict`` over ``[check]`` of the evtk.toml of the data folder that
    holds ``near`` (the first path that is in one)."""
    from toolkit.config import load_config
    from toolkit.validate import find_data_root

    root = next((r for p in near if (r := find_data_root(p if p.is_dir() else p.parent)) is not None), None)
    return load_config(root).check_policy(ignore, strict)


def out(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


def err(text: str) -> None:
    sys.stderr.write(text if text.endswith("\n") else text + "\n")
