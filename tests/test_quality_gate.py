"""The quality gate: the dev set's scores, pinned. The shared scorer
(../shared/eval/score.py) runs `curate run` on ../shared/eval/dev and the
floors below are the acceptance of the cleaning issue, so no change can lower
them silently. Skipped when ../shared is not beside the repo.

A floor is raised when the pipeline gets better; it is never lowered to make a
change pass.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "eval"
SCORER = SHARED / "score.py"
DEV = SHARED / "dev"

pytestmark = pytest.mark.skipif(not (SCORER.is_file() and DEV.is_dir()),
                                reason=f"the scorer and dev set are not at {SHARED}")

# kind -> (recall floor, precision floor, leaked share ceiling)
FLOORS = {
    "seed": (0.995, 0.995, 0.0),
    "composite": (0.995, 0.99, 0.01),
    "clean": (1.0, 1.0, 0.0),
}
AEB_F1_FLOOR = 0.95  # 0.9595 when pinned; no cleaning gives 0.73, the issue asks for 0.90


@pytest.fixture(scope="module")
def scores(tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("gate") / "scores.json"
    cmd = f"{sys.executable} -m pipeline run --raw {{raw}} --clean {{clean}} --quiet"
    proc = subprocess.run([sys.executable, str(SCORER), "--set", str(DEV), "--cmd", cmd, "--json", str(out)],
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads(out.read_text(encoding="utf-8"))


@pytest.mark.parametrize("kind", sorted(FLOORS))
def test_kind_floors(scores, kind):
    recall, precision, leaked = FLOORS[kind]
    k = scores["per_kind"][kind]
    assert k["lost"] == 0
    assert k["recall"] >= recall and k["precision"] >= precision, k
    assert k["leaked"] <= leaked * k["remove_total"], k
    assert k["dates_ok"] == k["dates_n"], k


def test_web_pages_f1(scores):
    assert scores["per_kind"]["aeb"]["lost"] == 0
    assert scores["summary"]["aeb_f1"] >= AEB_F1_FLOOR


def test_foreign_documents_are_rejected_and_nothing_is_lost(scores):
    s = scores["summary"]
    assert s["foreign_ok"] == s["foreign_n"]
    assert s["lost"] == 0 and s["dates_ok"] == s["dates_n"]
