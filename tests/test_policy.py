"""--strict and --ignore on validate, release check and the Action, and [check] of evtk.toml."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO, event_yaml
from tests.test_action import _step

CODED = Path("data/coded/lavrov.alice.yaml")


@pytest.fixture
def warned(data_dir: Path) -> Path:
    """A data folder whose only finding is a warning: the same event twice (E502)."""
    CODED.write_text(event_yaml({"id": "e1"}, {"id": "e2"}), encoding="utf-8")
    return data_dir


def _config(text: str) -> None:
    Path("data/evtk.toml").write_text(text, encoding="utf-8")


def test_strict_makes_warnings_fail(warned: Path, evtk: Callable[..., Any]) -> None:
    assert evtk("validate", warned).code == 0
    r = evtk("validate", warned, "--strict")
    assert r.code == 1 and "E502" in r.out
    assert r.out.splitlines()[-1].startswith("invalid: 0 error(s), 1 warning(s)")
    assert "(--strict: warnings fail)" in r.out.splitlines()[-1]
    assert json.loads(evtk("validate", warned, "--strict", "-f", "json").out)["strict"] is True


@pytest.mark.parametrize("token", ["E502", "e502", "duplicate-event", "E204,E502"])
def test_ignore_drops_the_rule_from_findings_and_exit(
    warned: Path, evtk: Callable[..., Any], token: str
) -> None:
    r = evtk("validate", warned, "--strict", "--ignore", token, "-f", "json")
    assert r.code == 0, r.output
    report = json.loads(r.out)
    assert report["warnings"] == 0 and "E502" not in report["rule_counts"] and not report["findings"]
    assert "E502" in report["ignored"]


def test_ignore_can_be_repeated(warned: Path, evtk: Callable[..., Any]) -> None:
    r = evtk("validate", warned, "--strict", "--ignore", "E204", "--ignore", "E502")
    assert r.code == 0 and "(ignored: E204, E502)" in r.out


@pytest.mark.parametrize(
    ("token", "hint"),
    [("E5020", "did you mean E502?"), ("duplicate-events", "did you mean duplicate-event?")],
)
def test_an_unknown_rule_is_a_usage_error_with_the_nearest(
    warned: Path, evtk: Callable[..., Any], token: str, hint: str
) -> None:
    r = evtk("validate", warned, "--ignore", token)
    assert r.code == 2 and f"--ignore: no rule '{token}'" in r.err and hint in r.err
    assert "Traceback" not in r.output


def test_the_configuration_sets_strict_and_ignore(warned: Path, evtk: Callable[..., Any]) -> None:
    _config("[check]\nstrict = true\n")
    assert evtk("validate", warned).code == 1
    assert evtk("validate", warned, "--no-strict").code == 0  # the command line overrides
    _config('[check]\nstrict = true\nignore = ["duplicate-event"]\n')
    r = evtk("validate", warned, "-f", "json")
    assert r.code == 0 and json.loads(r.out)["ignored"] == ["E502"]


def test_ignore_on_the_command_line_adds_to_the_configuration(warned: Path, evtk: Callable[..., Any]) -> None:
    _config('[check]\nignore = ["E204"]\n')
    r = evtk("validate", warned, "--ignore", "E502", "-f", "json")
    assert json.loads(r.out)["ignored"] == ["E204", "E502"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[check]\nstrict = "yes"\n', "[check] strict must be true or false"),
        ('[check]\nignore = "E502"\n', "[check] ignore must be a list of rule ids"),
        (
            '[check]\nignore = ["E5020"]\n',
            "[check] ignore: no rule 'E5020' (give a rule id or name): did you mean E502?",
        ),
        ("[check]\nstrikt = true\n", "unknown key 'strikt' in [check]"),
    ],
)
def test_a_bad_check_table_is_refused(
    warned: Path, evtk: Callable[..., Any], text: str, message: str
) -> None:
    _config(text)
    r = evtk("validate", warned)
    assert r.code == 2 and message in r.err and "evtk.toml" in r.err


@pytest.fixture
def releases(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(REPO / "data" / "releases", tmp_path / "data" / "releases")
    (tmp_path / "data" / "articles").mkdir()
    monkeypatch.chdir(tmp_path)
    return Path("data/releases")


def _flip(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def test_release_check_takes_the_same_options(releases: Path, evtk: Callable[..., Any]) -> None:
    _flip(releases / "0.2.0" / "README.md")
    assert evtk("release", "check", "0.2.0").code == 1  # a version names data/releases/VERSION
    r = evtk("release", "check", "0.2.0", "--ignore", "checksum-mismatch", "-f", "json")
    assert r.code == 0, r.output
    assert json.loads(r.out)["ignored"] == ["R101"]
    _config('[check]\nignore = ["R101"]\n')
    assert evtk("release", "check", releases / "0.2.0").code == 0
    r = evtk("release", "check", "0.2.0", "--ignore", "checksum-mismach")
    assert r.code == 2 and "did you mean checksum-mismatch?" in r.err


def test_the_action_passes_strict_and_ignore(warned: Path, tmp_path: Path) -> None:
    assert _step(tmp_path, EVTK_PATHS="data")[0] == 0
    code, out, _ = _step(tmp_path, EVTK_PATHS="data", EVTK_STRICT="true")
    assert code == 1 and "::warning " in out
    assert _step(tmp_path, EVTK_PATHS="data", EVTK_STRICT="true", EVTK_IGNORE="E204, E502")[0] == 0
    _config("[check]\nstrict = true\n")
    assert _step(tmp_path, EVTK_PATHS="data")[0] == 1
    assert _step(tmp_path, EVTK_PATHS="data", EVTK_STRICT="false")[0] == 0
    code, out, _ = _step(tmp_path, EVTK_PATHS="data", EVTK_STRICT="maybe")
    assert code == 2 and "strict must be true, false or empty" in out
    code, out, _ = _step(tmp_path, EVTK_COMMAND="agree", EVTK_PATHS="data", EVTK_IGNORE="E502")
    assert code == 2 and "not to agree" in out
    code, out, _ = _step(tmp_path, EVTK_PATHS="data", EVTK_IGNORE="E5020")
    assert code == 2 and "did you mean E502?" in out
