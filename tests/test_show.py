"""`curate show`: one document's journey, built from what the version recorded."""

from __future__ import annotations

import json
import shutil

import pytest

from pipeline import commands, reading, show
from pipeline.cli import main
from pipeline.document import replay
from two_versions import EDITED_WORD, NEW_ID, build


@pytest.fixture(scope="module")
def two(tmp_path_factory):
    return build(tmp_path_factory.mktemp("two"))


def show_json(capsys, *args: str) -> dict:
    assert main(["show", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_json_journey_has_every_edit_with_context_fields_and_records(two, capsys) -> None:
    j = show_json(capsys, two.edited, "--clean", str(two.clean), "--raw", str(two.raw))
    entry = reading.report_entries(two.clean / "v2")[two.edited]
    assert j["status"] == "kept" and j["version"] == "v2"
    assert [{k: e[k] for k in entry["edits"][0]} for e in j["edits"]] == entry["edits"]
    assert j["raw"]["available"] and EDITED_WORD in j["raw"]["text"]
    edits = [reading.edit_from_obj(e) for e in j["edits"]]
    assert replay(j["raw"]["text"], edits) == j["text"], "the edits shown replay to the clean text"
    texts = reading.step_texts(j["raw"]["text"], edits)
    for e in j["edits"]:
        step = texts[e["step"]]
        assert step[: e["start"]].endswith(e["context_before"])
        assert step[e["end"]:].startswith(e["context_after"])
        assert step[e["start"]: e["end"]] == e["before"]
    assert j["fields"]["title"] and [r["seq"] for r in j["records"]] == list(range(len(j["records"])))


def test_text_output_is_plain_when_not_a_terminal(two, capsys) -> None:
    assert main(["show", NEW_ID, "--clean", str(two.clean), "--raw", str(two.raw)]) == 0
    out = capsys.readouterr().out
    assert "\033[" not in out
    assert "Raw text" in out and "Edits (" in out and "Records (" in out
    assert "header.title/v1" in out and "[-Gardening notes" in out


def test_colour_only_on_a_terminal_without_no_color(monkeypatch) -> None:
    class Tty:
        def isatty(self) -> bool:
            return True
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert commands.colour_ok(Tty())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not commands.colour_ok(Tty())
    j = {"id": "x", "version": "v1", "status": "kept", "reason": None, "detail": None,
         "raw": {"available": False, "note": "n", "text": None}, "fields": None, "records": [],
         "edits": [{"stage": "s", "rule": "s.r/v1", "step": 1, "start": 0, "end": 1, "before": "a",
                    "after": "", "reason": "r", "score": None}]}
    assert any("\033[" in line for line in show.render(j, colour=True))
    assert not any("\033[" in line for line in show.render(j, colour=False))


def test_without_the_raw_file_edits_are_shown_without_context(two, capsys, tmp_path) -> None:
    j = show_json(capsys, two.edited, "--clean", str(two.clean), "--raw", str(tmp_path / "nowhere"))
    assert not j["raw"]["available"] and "unavailable" in j["raw"]["note"]
    assert j["edits"] and all("context_before" not in e for e in j["edits"])


def test_a_changed_raw_file_is_not_used_for_context(two, capsys, tmp_path) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(two.raw, raw)
    (raw / f"{two.edited}.txt").write_text("something else entirely", encoding="utf-8")
    j = show_json(capsys, two.edited, "--clean", str(two.clean), "--raw", str(raw))
    assert not j["raw"]["available"] and "sha256" in j["raw"]["note"]


def test_older_version_and_unknown_id(two, capsys) -> None:
    j = show_json(capsys, two.edited, "--version", "v1", "--clean", str(two.clean), "--raw", str(two.raw))
    assert j["version"] == "v1" and not j["raw"]["available"], "v1 was made from the file before the edit"
    assert main(["show", "no/such/doc", "--clean", str(two.clean)]) == 2
    assert "no/such/doc" in capsys.readouterr().err
