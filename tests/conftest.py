"""Shared paths and helpers for the tests.

The seed articles live in the repo's raw/; the labelled dev set, when present,
in ../shared/eval/dev/raw relative to the repo root (tests using it skip
without it).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis import strategies as st

from pipeline.config import Config
from pipeline.document import Document, replay
from pipeline.process import Outcome, process

# CI runs the property tests with a fixed seed, so a run that fails fails
# again on the same examples; elsewhere they explore new examples each run.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

REPO = Path(__file__).resolve().parent.parent
RAW = REPO / "raw"
DEV_RAW = REPO.parent / "shared" / "eval" / "dev" / "raw"
CASES = Path(__file__).resolve().parent / "cases"

SEED_FILES = sorted(RAW.glob("*.txt"))
DEV_FILES = sorted(DEV_RAW.glob("*.txt")) if DEV_RAW.is_dir() else []


def file_id(path: Path) -> str:
    """A short test id for a corpus file: 'seed/000_…' or 'dev/042_…'."""
    return f"{'seed' if path.parent == RAW else 'dev'}/{path.stem}"


# Every corpus file the invariants run on; dev files are marked so a missing
# dev set shows up as skips rather than silently fewer tests.
CORPUS_FILES = [pytest.param(p, id=file_id(p)) for p in SEED_FILES] + (
    [pytest.param(p, id=file_id(p)) for p in DEV_FILES]
    or [pytest.param(None, id="dev", marks=pytest.mark.skip(reason=f"dev set not found at {DEV_RAW}"))]
)


@lru_cache(maxsize=None)
def outcome_of(path: Path) -> Outcome:
    """The pipeline's outcome for one corpus file (cached: several tests read it)."""
    return process(path.stem, path.name, path.read_bytes(), Config())


def load_cases(name: str) -> list[dict]:
    """Golden cases as data: tests/cases/<name>.json, a list of objects with
    label, original, fixed and expect ('pass', or 'fail' for a known failure)."""
    with open(CASES / f"{name}.json", encoding="utf-8") as f:
        return json.load(f)


def case_params(cases: list[dict]) -> list:
    """pytest params for cases; expect 'fail' becomes a strict xfail naming the label."""
    return [
        pytest.param(c, id=c["label"],
                     marks=[pytest.mark.xfail(strict=True, reason=c.get("why", c["label"]))]
                     if c.get("expect", "pass") == "fail" else [])
        for c in cases
    ]


def make_doc(text: str) -> Document:
    """A document holding text, as a stage would receive it."""
    return Document(id="t", source_file="t.txt", source_sha256="0", source_size=0, text=text)


def rule_case_params(cases: list[dict], known_failures: bool = True) -> list:
    """Stage cases as pytest params (a list: pytest deprecates generators); a
    case with "xfail" is a strict xfail, so fixing it fails the test until the
    mark is removed from the case file."""
    params = []
    for case in cases:
        xfail = known_failures and "xfail" in case
        marks = [pytest.mark.xfail(strict=True, reason=case["xfail"])] if xfail else []
        params.append(pytest.param(case, id=f"{case['rule']}: {case['label']}", marks=marks))
    return params


def assert_line_removals(doc: Document, out: Document, stage: str) -> None:
    """The stage's edits replay to its output, are sorted, do not overlap, and
    each removes text under a versioned rule id of the stage, with a reason."""
    rule = re.compile(rf"{stage}\.[a-z_]+/v\d+")
    assert replay(doc.text, out.edits) == out.text
    spans = [(e.start, e.end) for e in out.edits]
    assert spans == sorted(spans)
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))
    for e in out.edits:
        assert e.stage == stage and rule.fullmatch(e.rule) and e.reason and e.after == ""


def read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def curate(*args: str, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the command line (`python -m pipeline ...`) in a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args],
        cwd=cwd, capture_output=True, text=True, timeout=300,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture
def config() -> Config:
    return Config()


@pytest.fixture
def seed_raw(tmp_path: Path) -> Path:
    """A writable copy of the repo's raw/ (the five seeds)."""
    raw = tmp_path / "raw"
    raw.mkdir()
    for p in SEED_FILES:
        (raw / p.name).write_bytes(p.read_bytes())
    return raw


# Pieces of the damage the corpus has (MT spacing, odd spaces, invisible
# characters, mojibake, header and trailer lines), mixed into generated text.
SNIPPETS = [
    "’", "’s", " ’s", " 's", " -", "-", " - ", "——", " ,", " ;", "  ", "\t", "\u00a0", "\u2003",
    "\u200b", "\u200c", "\u200d", "\u00ad", "\ufeff", "\r\n", "\r", "\u2028", "\n", "\n\n",
    "“", "”", "â€™", "â€œ", "â€", "Ã©", "Â£", "|", "Source: ", "Author: ", "- END -",
    "Issuing time:2019-01-21 00:00", "Time: ", "\u00e9", "e\u0301", "\x85",
]
WORDS = ("the people said that government would build a new road in the city and many "
         "workers were happy about it because they need jobs this year").split()

any_char = st.characters(exclude_categories=("Cs",))
# Arbitrary text with the corpus's damage mixed in.
noisy_text = st.lists(st.one_of(any_char, st.sampled_from(SNIPPETS)), max_size=120).map("".join)
# English-like paragraphs with damage: most of them are kept, so the invariants
# on kept documents get exercised (arbitrary text is nearly always rejected).
_word = st.sampled_from(WORDS).map(lambda w: w + " ")
_token = st.one_of(_word, _word, _word, st.sampled_from(SNIPPETS), st.characters(exclude_categories=("Cs", "Cc")))
_line = st.lists(_token, min_size=3, max_size=40).map("".join)
english_text = st.lists(_line, min_size=2, max_size=8).map("\n\n".join)
