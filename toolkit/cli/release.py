"""``evtk release``: build, check and diff versioned releases."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from toolkit.cli.common import (
    CodebookOpt,
    EncodingOpt,
    Engine,
    EngineOpt,
    FormatOpt,
    IgnoreOpt,
    MaxExamplesOpt,
    PrimaryOpt,
    QuietOpt,
    ReportFormat,
    SparkMasterOpt,
    StrictOpt,
    check_policy,
    err,
    out,
    release_arg,
)

app = typer.Typer(help="Build, check and compare versioned Parquet releases.", no_args_is_help=True)


@app.command("build")
def build(
    version: Annotated[str, typer.Argument(help="Release version, MAJOR.MINOR.PATCH.")],
    data: Annotated[
        Path, typer.Option("--data", help="Data folder (articles/, coded/, retractions.csv).")
    ] = Path("data"),
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Folder that holds releases (default: DATA/releases).")
    ] = None,
    partition_threshold: Annotated[
        int,
        typer.Option("--partition-threshold", min=0, help="Partition events by year above this many rows."),
    ] = 1_000_000,
    primary: PrimaryOpt = None,
    previous: Annotated[
        Path | None,
        typer.Option(
            "--previous",
            help="Previous release to diff and chain against (default: the next lower version in --out).",
            show_default=False,
        ),
    ] = None,
    fmt: FormatOpt = ReportFormat.text,
    codebook: CodebookOpt = None,
    encoding: EncodingOpt = "utf-8",
    quiet: QuietOpt = False,
) -> None:
    """Validate the data and write release VERSION. Refuses to build on errors, over an existing
    version, and what `release check` would reject (exit 1, naming the rule and the version that
    passes): a version not after the latest published one, events gone without a retraction, a bump
    too small for the change. The build time is SOURCE_DATE_EPOCH, else now; with it set, the same
    inputs give byte-identical files. The dataset card's title, licence, citation and url come from
    [dataset] in DATA/evtk.toml.

    Example: evtk release build 0.3.0 --data data
    """
    from toolkit.findings import render
    from toolkit.progress import Progress
    from toolkit.release import BuildBlocked, build_release

    try:
        result = build_release(
            version,
            data,
            out_dir,
            codebook=codebook,
            partition_threshold=partition_threshold,
            encoding=encoding,
            progress=Progress.auto(quiet),
            primary_coder=primary,
            previous=previous,
        )
    except BuildBlocked as exc:
        out(render(exc.report, fmt.value))
        err(f"evtk: error: {exc.message}")
        raise typer.Exit(2 if exc.report.rule_counts.get("E000") else 1) from None
    for warning in result.warnings:
        err(f"evtk: warning: {warning}")
    c = result.manifest["counts"]
    out(
        f"built {result.path}: {c['events']} events, {c['articles']} articles, {c['sentences']} sentences, "
        f"{c['retractions']} retractions (codebook {result.manifest['codebook']['version']}, "
        f"previous {result.manifest['previous_version'] or 'none'})"
    )
    if result.report.warnings:
        out(f"{result.report.warnings} warning(s) in the data: see evtk validate")
    if "agreement" in result.manifest:
        out(agreement_line(result.manifest["agreement"]))


def agreement_line(agreement: dict[str, object]) -> str:
    """One line on the agreement a release records."""
    alpha = agreement["alpha"]
    assert isinstance(alpha, dict)
    shown = ", ".join(
        f"{k} {'undefined' if alpha.get(k) is None else format(alpha[k], '.3f')}"
        for k in ("root", "base", "code", "hierarchical")
    )
    return (
        f"agreement recorded: {agreement['articles']} article(s) coded by {', '.join(agreement['coders'])}"  # type: ignore[arg-type]
        f" ({agreement['paired']} events paired, {agreement['unpaired']} found by one coder only); "
        f"alpha {shown}"
    )


@app.command("check")
def check(
    release_dir: Annotated[
        Path,
        typer.Argument(help="Release: a folder (holds manifest.json) or a version (data/releases/VERSION)."),
    ],
    previous: Annotated[
        Path | None,
        typer.Option(
            "--previous", help="Previous release (default: the next lower version in the same folder)."
        ),
    ] = None,
    no_previous: Annotated[
        bool, typer.Option("--no-previous", help="Do not compare with a previous release.")
    ] = False,
    drift_quad: Annotated[
        float, typer.Option("--drift-quad", help="Warn when a quad class share moves more.")
    ] = 0.10,
    drift_duplicates: Annotated[
        float, typer.Option("--drift-duplicates", help="Warn when the duplicate rate moves more.")
    ] = 0.05,
    drift_source: Annotated[
        float, typer.Option("--drift-source", help="Warn when a source's share moves more.")
    ] = 0.20,
    key: Annotated[
        Path | None,
        typer.Option(
            "--key",
            help="OpenSSH public key (KEY.pub): require a valid manifest.json.sig by it.",
            show_default=False,
        ),
    ] = None,
    codebook: Annotated[
        Path | None,
        typer.Option(
            "--codebook",
            help="Codebook to compare the release's snapshot with, when of the same version "
            "(default: $EVTK_CODEBOOK, ./codebook, or the bundled one).",
            show_default=False,
        ),
    ] = None,
    max_file_bytes: Annotated[
        int,
        typer.Option("--max-file-bytes", min=0, help="Largest file a manifest may list (bytes)."),
    ] = 64 * 1024**3,
    max_manifest_bytes: Annotated[
        int, typer.Option("--max-manifest-bytes", min=0, help="Largest manifest.json read (bytes).")
    ] = 64 * 1024**2,
    max_resources: Annotated[
        int, typer.Option("--max-resources", min=0, help="Most files a manifest may list.")
    ] = 100_000,
    max_partitions: Annotated[
        int, typer.Option("--max-partitions", min=0, help="Most events partitions a manifest may list.")
    ] = 1_000,
    fmt: FormatOpt = ReportFormat.text,
    max_examples: MaxExamplesOpt = 50,
    strict: StrictOpt = None,
    ignore: IgnoreOpt = None,
    quiet: QuietOpt = False,
    engine: EngineOpt = Engine.polars,
    spark_master: SparkMasterOpt = "local[*]",
) -> None:
    """Verify checksums, sizes, row counts, schema, every event rule (against the release's own
    codebook snapshot) and the change against the previous release. Exit 0/1/2 as validate
    (--strict: warnings fail too). RELEASE is a folder or a version (data/releases/VERSION).

    Example: evtk release check 0.2.0 --format github
    """
    from toolkit.findings import render
    from toolkit.progress import Progress
    from toolkit.release import check_release
    from toolkit.release_io import CheckOptions, DriftThresholds

    def fetched(path: Path, with_previous: bool) -> Path:
        return release_arg(
            path,
            with_previous=with_previous,
            max_manifest_bytes=max_manifest_bytes,
            max_file_bytes=max_file_bytes,
            max_resources=max_resources,
        )

    release_dir = fetched(release_dir, previous is None and not no_previous)
    if previous is not None:
        previous = fetched(previous, False)
    ignored, strict_on = check_policy([release_dir], ignore, strict)
    opts = CheckOptions(
        previous=previous,
        find_previous=not no_previous,
        drift=DriftThresholds(drift_quad, drift_duplicates, drift_source),
        max_examples=max_examples,
        progress=Progress.auto(quiet),
        max_file_bytes=max_file_bytes,
        max_manifest_bytes=max_manifest_bytes,
        max_resources=max_resources,
        max_partitions=max_partitions,
        codebook=codebook,
        key=key,
        engine=engine.value,
        spark_master=spark_master,
    )
    report = check_release(release_dir, opts).policy(ignored, strict_on)
    agreement = _recorded_agreement(release_dir)
    if agreement is not None and fmt is ReportFormat.json:
        out(
            json.dumps(
                {**report.to_dict(), "agreement": agreement}, indent=2, ensure_ascii=False, default=str
            )
        )
    else:
        if agreement is not None and fmt is ReportFormat.text:
            out(agreement_line(agreement))  # before the findings: the summary stays the last line
        out(render(report, fmt.value))
    raise typer.Exit(report.exit_code)


def _recorded_agreement(release_dir: Path) -> dict[str, object] | None:
    from toolkit.errors import InputError
    from toolkit.release_io import read_manifest

    try:
        agreement = read_manifest(release_dir).get("agreement")
    except InputError:
        return None  # the check has reported it
    return agreement if isinstance(agreement, dict) and isinstance(agreement.get("alpha"), dict) else None


@app.command("sign")
def sign(
    release_dir: Annotated[
        Path,
        typer.Argument(help="Release: a folder (holds manifest.json) or a version (data/releases/VERSION)."),
    ],
    key: Annotated[Path, typer.Option("--key", help="OpenSSH private key to sign with.", show_default=False)],
) -> None:
    """Sign the release's manifest with ssh-keygen -Y (namespace evtk-release) into manifest.json.sig.
    The manifest holds every file's sha256, so the signature covers the whole release; verify it
    with `evtk release check DIR --key KEY.pub`.

    Example: evtk release sign 0.2.0 --key ~/.ssh/id_ed25519
    """
    from toolkit.signing import sign_release

    out(f"signed {sign_release(release_arg(release_dir, writes=True), key)}")


@app.command("verify")
def verify(
    release_dir: Annotated[
        Path,
        typer.Argument(help="Release: a folder (holds manifest.json) or a version (data/releases/VERSION)."),
    ],
    data: Annotated[Path, typer.Option("--data", help="Data folder the release was built from.")] = Path(
        "data"
    ),
    fmt: FormatOpt = ReportFormat.text,
    codebook: CodebookOpt = None,
    encoding: EncodingOpt = "utf-8",
    quiet: QuietOpt = False,
) -> None:
    """Rebuild the release's version from DATA in a temporary folder (same created time, partition
    threshold and previous release) and compare every file's sha256. Exit 0 reproduced, 1 files
    differ, 2 the release or data cannot be read or the data does not validate.

    Example: evtk release verify 0.2.0 --data data
    """
    from toolkit.findings import render
    from toolkit.progress import Progress
    from toolkit.release import BuildBlocked, verify_release

    try:
        report = verify_release(
            release_arg(release_dir),
            data,
            codebook=codebook,
            encoding=encoding,
            progress=Progress.auto(quiet),
        )
    except BuildBlocked as exc:
        out(render(exc.report, fmt.value))
        err(f"evtk: error: cannot rebuild: {exc.message}")
        raise typer.Exit(2) from None
    out(render(report, fmt.value))
    raise typer.Exit(report.exit_code)


@app.command("diff")
def diff(
    old: Annotated[
        Path, typer.Argument(help="Older release: a folder or a version (data/releases/VERSION).")
    ],
    new: Annotated[
        Path, typer.Argument(help="Newer release: a folder or a version (data/releases/VERSION).")
    ],
    max_examples: Annotated[
        int,
        typer.Option("--max-examples", min=0, help="Examples shown per kind of change; counts stay exact."),
    ] = 20,
    examples: Annotated[int | None, typer.Option("--examples", min=0, hidden=True)] = None,
    fmt: FormatOpt = ReportFormat.text,
) -> None:
    """Added, removed (with retraction reasons), recoded, re-actored and redated events. With
    --format github each change is a notice on the file of the new release that holds it.

    Example: evtk release diff 0.1.0 0.2.0 --format json
    """
    from toolkit.errors import InputError
    from toolkit.release import (
        diff_left_out,
        diff_releases,
        public_diff,
        render_diff_github,
        render_diff_text,
    )
    from toolkit.release_io import is_release

    old, new = release_arg(old), release_arg(new)
    for p in (old, new):
        if not is_release(p):
            raise InputError("not a release folder (no manifest.json)", p)
    limit = max_examples if examples is None else examples  # --examples: the former spelling
    d = diff_releases(old, new, examples=limit)
    if fmt is ReportFormat.json:
        left = diff_left_out(d)
        truncated = (
            {"changes_not_shown": left, "max_examples": limit, "option": "--max-examples"} if left else {}
        )
        out(json.dumps({**public_diff(d), "truncated": truncated}, indent=2, default=str))
    elif fmt is ReportFormat.github:
        out(render_diff_github(d, new, limit))
    else:
        out(render_diff_text(d))
        if diff_left_out(d):
            out(
                f"... {diff_left_out(d)} change(s) not shown (raise --max-examples above {limit} to see them)"
            )


@app.command("report")
def report(
    release_dir: Annotated[
        Path,
        typer.Argument(help="Release: a folder (holds manifest.json) or a version (data/releases/VERSION)."),
    ],
    out_file: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="HTML file to write (default: RELEASE/report.html)."),
    ] = None,
) -> None:
    """Write one self-contained HTML page about a release: events over time by quad class, top codes
    and actors, coverage by country, coder, method and date precision, the changes since the previous
    release and the agreement between coders. It opens offline (no request leaves the page).

    Example: evtk release report data/releases/0.2.0 --out report.html
    """
    from toolkit import remote
    from toolkit.errors import InputError, UsageError
    from toolkit.release_io import is_release
    from toolkit.report import write

    release_dir = release_arg(release_dir)
    if not is_release(release_dir):
        raise InputError("not a release folder (no manifest.json)", release_dir)
    if out_file is None and remote.shown(release_dir) != str(release_dir):
        raise UsageError(
            "a release in an object store is not changed in place: name the page to write with --out",
            remote.shown(release_dir),
        )
    target = out_file if out_file is not None else release_dir / "report.html"
    write(release_dir, target)
    out(f"wrote {target}")
