"""The ``evtk`` command line. Commands only parse options, call the library and render.

Heavy libraries are imported inside commands so that ``evtk --help`` stays instant.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from toolkit import __version__
from toolkit.cli import articles as articles_cmd
from toolkit.cli import codebook as codebook_cmd
from toolkit.cli import fix as fix_cmd
from toolkit.cli import interchange as interchange_cmd
from toolkit.cli import release as release_cmd
from toolkit.cli import validate as validate_cmd

app = typer.Typer(
    name="evtk",
    help="Event-coding dataset toolkit: CAMEO codebook, validated coded events, versioned Parquet releases.\n\n"
    "Exit codes: 0 clean (warnings allowed), 1 errors found, 2 usage error or unreadable input.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    add_completion=False,
)
app.add_typer(codebook_cmd.app, name="codebook")
app.add_typer(articles_cmd.app, name="articles")
app.command("validate")(validate_cmd.validate)
app.command("fix")(fix_cmd.fix)
app.command("new")(articles_cmd.new)
app.add_typer(release_cmd.app, name="release")
app.command("import")(interchange_cmd.import_cmd)
app.command("export")(interchange_cmd.export_cmd)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"evtk {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks for internal errors.")] = False,
) -> None:
    if debug:
        os.environ["EVTK_DEBUG"] = "1"


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app, turning library errors into one-line messages and exit codes."""
    from toolkit.errors import EvtkError

    # The in-memory engine: polars 2.1's streaming engine panics on some string expressions over
    # concatenated frames (seen on imported data); set before any command imports polars.
    os.environ.setdefault("POLARS_ENGINE_AFFINITY", "in-memory")
    try:
        app(args=argv, prog_name="evtk")
    except EvtkError as exc:
        sys.stderr.write(f"evtk: error: {exc}\n")
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.stderr.write("evtk: interrupted; nothing was written\n")
        sys.exit(130)
    except (BrokenPipeError, SystemExit):
        raise
    except BaseException as exc:  # noqa: BLE001 - last line of defence (incl. pyo3 panics): no tracebacks
        if os.environ.get("EVTK_DEBUG") or "--debug" in (argv or sys.argv):
            raise
        sys.stderr.write(
            f"evtk: internal error: {type(exc).__name__}: {exc}\n"
            "This is a bug in evtk; run again with --debug and report the traceback.\n"
        )
        sys.exit(3)
