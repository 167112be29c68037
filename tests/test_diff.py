"""`curate diff`: the acceptance test (two runs over a changed corpus) and the
record matching by content and position."""

from __future__ import annotations

import json

import pytest

from pipeline import diff
from pipeline.cli import main
from two_versions import EDITED_WORD, NEW_ID, REMOVED, build


@pytest.fixture(scope="module")
def two(tmp_path_factory):
    return build(tmp_path_factory.mktemp("two"))


def run_diff(capsys, *args: str) -> tuple[int, str]:
    code = main(["diff", *args])
    return code, capsys.readouterr().out


def test_diff_reports_exactly_the_added_removed_and_edited_documents(two, capsys) -> None:
    code, out = run_diff(capsys, "--clean", str(two.clean), "--json")
    assert code == 0
    d = json.loads(out)
    assert (d["from"], d["to"]) == ("v1", "v2"), "default: the parent of LATEST and LATEST"
    assert d["documents_added"] == [NEW_ID]
    assert d["documents_removed"] == [REMOVED]
    assert [c["id"] for c in d["documents_changed"]] == [two.edited]
    (changed,) = d["documents_changed"]
    assert changed["records_added"] == [] and changed["records_removed"] == []
    (rec,) = changed["records_changed"]
    assert rec["kind"] == "paragraph"
    deleted = "".join(w["text"] for w in rec["words"] if w["op"] == "delete")
    inserted = "".join(w["text"] for w in rec["words"] if w["op"] == "insert")
    assert (deleted, inserted) == (two.old_word, EDITED_WORD)
    assert d["summary"]["documents_changed"] == 1 and d["summary"]["records_changed"] == 1


def test_diff_text_output_and_summary_line(two, capsys) -> None:
    code, out = run_diff(capsys, "v1", "v2", "--clean", str(two.clean))
    assert code == 0
    assert f"+ {NEW_ID}" in out and f"- {REMOVED}" in out and f"~ {two.edited}" in out
    assert f"[-{two.old_word}-]{{+{EDITED_WORD}+}}" in out
    assert out.rstrip().splitlines()[-1].startswith("1 added, 1 removed, 1 changed")
    assert "\033[" not in out, "no colour when stdout is not a terminal"


def test_diff_of_a_version_with_itself_is_empty_and_exits_0(two, capsys) -> None:
    code, out = run_diff(capsys, "v2", "v2", "--clean", str(two.clean), "--json")
    d = json.loads(out)
    assert code == 0
    assert d["documents_added"] == d["documents_removed"] == d["documents_changed"] == []


def test_unknown_version_is_a_usage_error(two, capsys) -> None:
    assert main(["diff", "v1", "v9", "--clean", str(two.clean)]) == 2
    assert "v9" in capsys.readouterr().err


def rec(seq: int, text: str, kind: str = "paragraph") -> dict:
    return {"id": f"d#{seq}", "seq": seq, "kind": kind, "text": text, "attribution": None, "attribution_date": None}


def test_records_are_matched_by_content_and_position() -> None:
    old = [rec(0, "Title words here"), rec(1, "the cat sat on the mat today"), rec(2, "a paragraph that goes away entirely"),
           rec(3, "closing line stays")]
    new = [rec(0, "Title words here"), rec(1, "brand new inserted paragraph about zebras"),
           rec(2, "the cat sat on the red mat today"), rec(3, "closing line stays")]
    m = diff.match_records(old, new)
    assert [(c["from"], c["to"]) for c in m["records_changed"]] == [("d#1", "d#2")]
    assert [r["id"] for r in m["records_added"]] == ["d#1"]
    assert [r["id"] for r in m["records_removed"]] == ["d#2"]


def test_a_moved_record_is_not_matched_out_of_order() -> None:
    old = [rec(0, "alpha beta gamma delta"), rec(1, "one two three four")]
    new = [rec(0, "one two three four"), rec(1, "alpha beta gamma delta epsilon")]
    m = diff.match_records(old, new)
    assert len(m["records_changed"]) + len(m["records_added"]) + len(m["records_removed"]) >= 1
    froms = [int(c["from"].split("#")[1]) for c in m["records_changed"]]
    tos = [int(c["to"].split("#")[1]) for c in m["records_changed"]]
    assert froms == sorted(froms) and tos == sorted(tos)


def test_word_diff_replays_both_sides() -> None:
    a, b = "The quick brown fox jumps.", "The slow brown fox leaps high."
    w = diff.word_diff(a, b)
    assert "".join(x["text"] for x in w if x["op"] != "insert") == a
    assert "".join(x["text"] for x in w if x["op"] != "delete") == b
