"""The ``evtk`` command line. Commands only parse options, call the library and render.

Heavy libraries are imported inside commands so that ``evtk --help`` stays instant.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from toolkit import __version__
from toolkit.cli import agree as agree_cmd
from toolkit.cli import articles as articles_cmd
from toolkit.cli import code as code_cmd
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
    context_settings={"help_option_names": ["-h", "--help"]},
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
app.command("agree")(agree_cmd.agree)
app.command("adjudicate")(agree_cmd.adjudicate)
app.command("code")(code_cmd.code)


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


def catch_signals() -> None:
    """SIGTERM and SIGHUP (a closed terminal, a CI job cancelled) stop evtk the way Ctrl-C does: as a
    KeyboardInterrupt, so every command's clean-up runs (temporary folders and files removed) before
    it exits. SIGKILL cannot be caught: ``release build`` removes what such a build left behind.

    Importing polars installs polars' own SIGINT handler over this one, and that handler ends the
    process (exit 130) without a KeyboardInterrupt when Ctrl-C comes during polars work, so nothing
    is cleaned up: :func:`main` imports polars first whenever a command is about to run."""
    import signal

    def interrupt(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt(signal.Signals(signum).name)

    for name in ("SIGTERM", "SIGHUP"):
        sig = getattr(signal, name, None)
        if sig is not None:
            try:
                signal.signal(sig, interrupt)
            except ValueError:  # not the main thread (evtk called from a worker thread)
                return
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        return  # started in the background with SIGINT ignored: keep it so
    signal.signal(signal.SIGINT, signal.default_int_handler)


#: the option parser's wording (pydantic's, through Typer) -> evtk's: no library prefixes
_VALUE_MESSAGES = (
    (r"\b(Value|Assertion) error, ", ""),
    (r"Input should be greater than or equal to (\S+)", r"must be \1 or more"),
    (r"Input should be less than or equal to (\S+)", r"must be \1 or less"),
    (r"Input should be greater than (\S+)", r"must be more than \1"),
    (r"Input should be less than (\S+)", r"must be less than \1"),
    (r"Input should be a valid integer(, unable to parse string as an integer)?", "must be a whole number"),
    (r"Input should be a valid number(, unable to parse string as a number)?", "must be a number"),
    (r"Input should be a valid boolean(, unable to interpret input)?", "must be true or false"),
    (r"Input should be (.+)", r"must be \1"),
)


def plain_value_message(message: str) -> str:
    """A bad option value's message without the validation library's prefixes and phrasing."""
    import re

    for pattern, repl in _VALUE_MESSAGES:
        message = re.sub(pattern, repl, message)
    return message


def os_error_message(exc: OSError) -> str:
    """What the machine refused, in one line. A refused write of evtk's own hidden temporary file
    (``.NAME...tmp``) names the folder it was writing in, which is what the user chose."""
    import errno
    from pathlib import Path

    from toolkit.textio import plain

    what = plain(exc.strerror or str(exc) or type(exc).__name__)
    if not exc.filename:
        return f"{what}; nothing was published (check the path and free space)"
    path = Path(str(exc.filename))
    refused_write = exc.errno in (errno.EROFS, errno.ENOSPC, errno.EDQUOT)
    if refused_write or (path.name.startswith(".") and exc.errno in (errno.EACCES, errno.EPERM)):
        folder = path.parent if path.name.startswith(".") else path
        fix = "free some space" if exc.errno in (errno.ENOSPC, errno.EDQUOT) else "choose a writable --out"
        return f"cannot write in {plain(str(folder))}: {what}; nothing was published ({fix})"
    return f"{plain(str(path))}: {what}; nothing was published (check the path and free space)"


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app, turning library errors into one-line messages and exit codes."""
    from toolkit.errors import EvtkError

    # The in-memory engine: polars 2.1's streaming engine panics on some string expressions over
    # concatenated frames (seen on imported data); set before any command imports polars.
    os.environ.setdefault("POLARS_ENGINE_AFFINITY", "in-memory")
    args = sys.argv[1:] if argv is None else argv
    if args and not {"-h", "--help", "--version"} & set(args):
        import polars  # noqa: F401  (installs polars' SIGINT handler, which ours must then replace)
    catch_signals()
    from typer._click import exceptions as click_errors  # the option parser Typer ships

    try:
        # Not standalone: a bad option or value reaches us, to be said in evtk's words (below).
        code = app(args=argv, prog_name="evtk", standalone_mode=False)
        sys.exit(code if isinstance(code, int) else 0)
    except click_errors.ClickException as exc:
        if isinstance(exc, click_errors.BadParameter):
            exc.message = plain_value_message(exc.message)
        exc.show()
        sys.exit(exc.exit_code)
    except typer.Abort:
        sys.stderr.write("evtk: interrupted; nothing was written\n")
        sys.exit(130)
    except EvtkError as exc:
        from toolkit.textio import plain

        sys.stderr.write(f"evtk: error: {plain(exc)}\n")
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.stderr.write("evtk: interrupted; nothing was written\n")
        sys.exit(130)
    except (BrokenPipeError, SystemExit):
        raise
    except OSError as exc:
        # The machine, not the data: a full disk, a read-only or unwritable output, a vanished file.
        from toolkit.textio import plain

        sys.stderr.write(f"evtk: error: {os_error_message(exc)}\n")
        sys.exit(2)
    except BaseException as exc:  # noqa: BLE001 - last line of defence (incl. pyo3 panics): no tracebacks
        if os.environ.get("EVTK_DEBUG") or "--debug" in (argv or sys.argv):
            raise
        sys.stderr.write(
            f"evtk: internal error: {type(exc).__name__}: {str(exc).encode('unicode_escape').decode()}\n"
            "This is a bug in evtk; run again with --debug and report the traceback.\n"
        )
        sys.exit(3)
