"""--fix-ids edits only ids: it keeps a CSV's quoting and line endings and a YAML comment, and it
never replaces a file that someone saved while it ran. YAML oddities get the right message."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from toolkit import atomic, yamlio
from toolkit.errors import InputError
from toolkit.fix_ids import fix_csv, fix_yaml

ARTICLE = "afp-2023-02-07-lavrov-mali"


def test_csv_keeps_quoting_and_mixed_line_endings(tmp_path: Path) -> None:
    sheet = tmp_path / "sheet.csv"
    original = (
        '"id","article","sentence","quote","date","source","target","code"\r\n'
        f'"","{ARTICLE}","4","was welcomed, warmly","2023-02-07","MLIGOV","RUSGOV","043"\r\n'
        f'"e1","{ARTICLE}","9","Lavrov ""will"" hold talks","2023-02-07","RUSGOV","MLIGOV","040"\n'
        f",{ARTICLE},8,the visit by Lavrov,2023-02-07,RUSGOV,MLI,042\n"
    )
    sheet.write_bytes(original.encode())
    assert fix_csv(sheet) == 2
    expected = original.replace('\r\n"",', '\r\n"e2",', 1).replace("\n,afp", "\ne3,afp", 1)
    assert sheet.read_bytes() == expected.encode()


def test_csv_without_id_column_keeps_every_other_byte(tmp_path: Path) -> None:
    sheet = tmp_path / "sheet.csv"
    sheet.write_bytes(f'article,quote\r\n{ARTICLE},"a ""b"", c"\r\n\r\n'.encode())
    assert fix_csv(sheet) == 1
    assert sheet.read_bytes() == f'id,article,quote\r\ne1,{ARTICLE},"a ""b"", c"\r\n\r\n'.encode()


def test_yaml_empty_id_with_comment_is_filled(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(
        f"article: {ARTICLE}\nevents:\n  - id: ''  # to do\n    code: '042'\n  - id: e1\n    code: '043'\n",
        encoding="utf-8",
    )
    assert fix_yaml(path) == 1
    assert "  - id: e2  # to do\n" in path.read_text(encoding="utf-8")


@pytest.mark.parametrize("fix", [fix_yaml, fix_csv])
def test_file_saved_meanwhile_is_not_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fix: Any
) -> None:
    path = tmp_path / ("x.yaml" if fix is fix_yaml else "x.csv")
    text = (
        f"article: {ARTICLE}\nevents:\n  - code: '042'\n"
        if fix is fix_yaml
        else f"id,article,code\n,{ARTICLE},042\n"
    )
    path.write_text(text, encoding="utf-8")
    saved = "the coder's newer version\n"
    real = atomic.os.fsync

    def coder_saves(fd: int) -> None:  # the coder saves while the fix is being written
        real(fd)
        path.write_text(saved, encoding="utf-8")

    monkeypatch.setattr(atomic.os, "fsync", coder_saves)
    with pytest.raises(InputError, match="changed while evtk was editing it"):
        fix(path)
    assert path.read_text(encoding="utf-8") == saved
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temp file left


@pytest.mark.parametrize(
    ("text", "phrase", "line"),
    [
        ("article: a\nevents:\n  - id: e1\x00\n", r"U\+0000 is not allowed", 3),
        ("article: a\nevents: !!seq\n  - id: e1\n", "tags such as tag:yaml.org,2002:seq", 2),
        ("article: !!map {a: 1}\n", "tags such as tag:yaml.org,2002:map", 1),
    ],
)
def test_yaml_oddities(text: str, phrase: str, line: int) -> None:
    with pytest.raises(InputError, match=phrase) as info:
        yamlio.loads(text, "f.yaml")
    assert info.value.line == line
    assert "tabs" not in info.value.message


def test_tab_hint_still_given_for_tabs() -> None:
    with pytest.raises(InputError, match="does not allow tabs"):
        yamlio.loads("x:\n\t- a\n", "f.yaml")


@pytest.mark.parametrize("name", ["empty.jsonl", "empty.yaml", "empty.csv"])
def test_empty_event_files_are_all_e000(name: str, data_dir: Path, evtk: Any) -> None:
    (data_dir / "coded" / name).write_text("\n", encoding="utf-8")
    r = evtk("validate", data_dir)
    assert r.code == 2, r.output
    assert f"{name}:1: error E000 unreadable-file: the file is empty" in r.out
