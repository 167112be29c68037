"""Golden outputs for the seed articles (pytest-regressions data in tests/test_golden/).

Per seed: the document line, its records and its edit log, exactly as the writer
serialises them. A change in any stage shows up here as a reviewable diff;
after reviewing it, regenerate with `python -m pytest tests/test_golden.py --force-regen`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline import serialize
from conftest import SEED_FILES, outcome_of


@pytest.mark.parametrize("path", SEED_FILES, ids=[p.stem for p in SEED_FILES])
def test_seed(path: Path, data_regression) -> None:
    outcome = outcome_of(path)
    doc = outcome.doc
    data = {
        "status": "kept" if doc.rejection is None else "rejected",
        "document": serialize.document_obj(doc, len(outcome.raw_text)) if doc.rejection is None
        else serialize.rejected_obj(doc, outcome.stage),
        "records": serialize.record_objs(doc),
        "edits": [serialize.edit_obj(e) for e in doc.edits],
    }
    data_regression.check(data)
