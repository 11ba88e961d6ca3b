"""Options shared by several commands, declared once."""

from __future__ import annotations

import enum
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
    str, typer.Option("--spark-master", help="Spark master URL for --engine spark (e.g. yarn, spark://HOST:7077).")
]


def out(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


def err(text: str) -> None:
    sys.stderr.write(text if text.endswith("\n") else text + "\n")
