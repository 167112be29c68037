"""No catastrophic regexes, no quadratic algorithms: every stage (and the whole
pipeline) processes 4 MB of adversarial text in well under 8 times what it
takes for 1 MB.

The text is made of long runs of the characters the patterns care about
(spaces, dashes, ``|``, dots, quotes, digits, capitalised words, brackets,
colons, labels), each run ended by several kinds of character (nothing, a
letter, a form feed, a dot, a line break): a pattern that backtracks over a
run from every start position inside it takes time quadratic in the run's
length, and the runs grow with the document. Three layouts: everything on one
line, one line per run, and short lines (algorithms quadratic in the number
of lines).
"""

from __future__ import annotations

import gc
import time
from dataclasses import replace

import pytest

from pipeline.config import Config
from pipeline.document import Document
from pipeline.process import process
from pipeline.stages import STAGES

SMALL, BIG = 1_000_000, 4_000_000
MAX_RATIO = 6  # linear gives ~4; quadratic ~16
FLOOR = 0.05  # seconds: below this a timing is noise, not a measurement

# Units repeated into runs: what the patterns of some stage look at.
UNITS = (
    " ", "-", " - ", "—", "|", " | ", ".", ". ", "…", '"', "'", "“”", "‘’",
    "7", "12-", "2019-01-", "12:30 ", "Word ", "The New ", "By ", "A. ", "(", ")", "[", "]", "【",
    "Source: ", "Photo: ", "Author: ", "—— ", "A1B2C ", "\u00a0",
)
ENDS = ("", "x", "\x0c", ".", "\n")


def adversarial(size: int, layout: str) -> str:
    per_run = max(1, size // (len(UNITS) * len(ENDS)))
    runs = [unit * max(1, per_run // len(unit)) + end for unit in UNITS for end in ENDS]
    if layout == "one line":
        body = "".join(run.replace("\n", " ") for run in runs)
    elif layout == "a line per run":
        body = "\n\n".join(runs)
    else:  # short lines
        joined = "".join(runs).replace("\n", " ")
        body = "\n".join(joined[i:i + 60] for i in range(0, len(joined), 60))
    return "An adversarial title\n\nA first paragraph of ordinary words, said the council.\n\n" + body + "\n"


LAYOUTS = ("one line", "a line per run", "short lines")
TEXTS: dict[tuple[int, str], str] = {}


def text_of(size: int, layout: str) -> str:
    if (size, layout) not in TEXTS:
        TEXTS[(size, layout)] = adversarial(size, layout)
    return TEXTS[(size, layout)]


def timed(fn, repeat: int = 1) -> float:
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        gc.disable()
        try:
            started = time.perf_counter()
            fn()
            best = min(best, time.perf_counter() - started)
        finally:
            gc.enable()
    return best


def run_stage(stage, text: str) -> None:
    doc = Document("t", "t.txt", "0", len(text), raw=text.encode("utf-8") if stage.NAME == "decode" else b"", text=text)
    # No line-length limit here: the stages themselves must be linear on long lines.
    config = replace(Config(), max_line_chars=10 * BIG)
    if getattr(stage, "WANTS_STATS", False):
        stage.apply(doc, config, None)
    else:
        stage.apply(doc, config)


def assert_linear(fn_small, fn_big, what: str, attempts: int = 3) -> None:
    """A quadratic stage fails every attempt; a busy machine (other processes
    taking the CPU during one measurement) fails one at most, so measure again."""
    tries = []
    for _ in range(attempts):
        small = timed(fn_small, repeat=2)
        big = timed(fn_big)
        ratio = big / max(small, FLOOR)
        tries.append(f"1 MB {small:.3f} s, 4 MB {big:.3f} s, ratio {ratio:.1f}")
        if ratio < MAX_RATIO:
            return
    pytest.fail(f"{what} is not linear: " + "; ".join(tries))


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("stage", STAGES, ids=[s.NAME for s in STAGES])
def test_stage_is_linear(stage, layout: str) -> None:
    small, big = text_of(SMALL, layout), text_of(BIG, layout)
    assert_linear(lambda: run_stage(stage, small), lambda: run_stage(stage, big), f"{stage.NAME}, {layout}")


@pytest.mark.parametrize("layout", ["a line per run"])  # the stages have seen every layout above
def test_whole_pipeline_is_linear(layout: str) -> None:
    """process() on the bytes, every stage in turn, as a run would (English
    kept whatever the detected language, so the late stages run too)."""
    config = replace(Config(), max_line_chars=10 * BIG, keep_languages=tuple(
        "af ar bg bn ca cs cy da de el en es et fa fi fr gu he hi hr hu id it ja kn ko lt lv mk ml mr ne nl no "
        "pa pl pt ro ru sk sl so sq sv sw ta te th tl tr uk ur vi zh und".split()))
    small = text_of(SMALL, layout).encode("utf-8")
    big = text_of(BIG, layout).encode("utf-8")
    assert_linear(lambda: process("t", "t.txt", small, config), lambda: process("t", "t.txt", big, config),
                  f"the whole pipeline, {layout}")
