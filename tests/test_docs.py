"""Generated docs must match their source of truth (CLI, rule catalogue, codebook)."""

from __future__ import annotations

import polars as pl
import pytest

from toolkit import docgen
from toolkit.rules import RULES


@pytest.mark.parametrize("name", sorted(docgen.GENERATED))
def test_generated_doc_is_up_to_date(name: str) -> None:
    path = docgen.DOCS / name
    assert path.is_file(), f"docs/{name} is missing: run `make docs`"
    assert path.read_text(encoding="utf-8") == docgen.GENERATED[name](), (
        f"docs/{name} is stale: run `make docs`"
    )


def test_check_mode_reports_a_stale_doc(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(docgen, "DOCS", tmp_path)
    assert docgen.main(["check"]) == 1
    assert docgen.main(["write"]) == 0
    assert docgen.main(["check"]) == 0
    (tmp_path / "rules.md").write_text("edited by hand\n", encoding="utf-8")
    assert docgen.stale() == ["rules.md"]


def test_every_rule_is_in_the_catalogue_page() -> None:
    text = (docgen.DOCS / "rules.md").read_text(encoding="utf-8")
    for rule in RULES.values():
        assert f"### {rule.id} `{rule.name}`" in text


def test_cli_page_documents_every_command() -> None:
    text = (docgen.DOCS / "cli.md").read_text(encoding="utf-8")
    for command in (
        "evtk validate",
        "evtk codebook show",
        "evtk release build",
        "evtk release check",
        "evtk release diff",
        "evtk articles add",
        "evtk new",
    ):
        assert f"## `{command}`" in text


def test_pandera_models_agree_with_schema_dtypes() -> None:
    from toolkit.models import ArticlesTable, EventsTable, SentencesTable
    from toolkit.schema import ARTICLE_COLUMNS, EVENT_COLUMNS, SENTENCE_COLUMNS

    for model, columns in (
        (EventsTable, EVENT_COLUMNS),
        (ArticlesTable, ARTICLE_COLUMNS),
        (SentencesTable, SENTENCE_COLUMNS),
    ):
        schema = model.to_schema()
        assert list(schema.columns) == list(columns), model.__name__
        for name, dtype in columns.items():
            assert str(schema.columns[name].dtype) == str(
                pl.DataType.from_python(dtype)
                if isinstance(dtype, type) and not issubclass(dtype, pl.DataType)
                else dtype
            ), name


def test_codebook_schema_rule_c100_fires_on_a_frame_that_breaks_the_model() -> None:
    import dataclasses

    from toolkit.codebook import load_codebook
    from toolkit.rules.codebook import check_codebook

    cb = load_codebook()
    broken = dataclasses.replace(cb, events=cb.events.with_columns(level=pl.lit(7, dtype=pl.Int8)))
    report = check_codebook(broken)
    assert report.rule_counts.get("C100", 0) > 0
    assert "level" in " ".join(report.findings.filter(pl.col("rule") == "C100")["message"].to_list())
    assert check_codebook(cb).rule_counts.get("C100", 0) == 0
