"""The README's promises that a test can hold it to: the two set-up commands,
the test command CI runs, and the list of rejection reasons."""

from __future__ import annotations

import os
import re

import pytest

from pipeline.reasons import REASONS
from conftest import REPO

README = REPO / "README.md"
CI = REPO / ".ci" / "run"
SETUP = ["pip install -e . && curate run", "pip install -e '.[test]' && python -m pytest"]

pytestmark = pytest.mark.skipif(not README.exists(), reason="README.md does not exist yet")


def between(text: str, marker: str) -> str | None:
    """The text between `<!-- marker -->` and `<!-- marker -->` or `<!-- /marker -->`."""
    m = re.search(rf"<!-- {marker} -->\n(.*?)\n<!-- /?{marker} -->", text, re.DOTALL)
    return m.group(1) if m else None


def code_lines(block: str) -> list[str]:
    """The lines of the single fenced code block in `block`."""
    fences = re.findall(r"^```[a-z]*\n(.*?)^```$", block, re.DOTALL | re.MULTILINE)
    assert len(fences) == 1, "expected exactly one fenced code block"
    return [line for line in fences[0].splitlines() if line.strip()]


def readme() -> str:
    return README.read_text(encoding="utf-8")


def setup_commands() -> list[str]:
    block = between(readme(), "set-up-commands")
    assert block is not None, "README.md has no <!-- set-up-commands --> block"
    return code_lines(block)


def readme_test_command() -> str:
    block = between(readme(), "test-command")
    if block is not None:
        lines = code_lines(block) if "```" in block else [l for l in block.splitlines() if l.strip()]
        assert len(lines) == 1, "the test command is one line"
        return lines[0].strip()
    (line,) = [l for l in setup_commands() if "pytest" in l]
    return line.strip()


def test_readme_has_exactly_the_two_set_up_commands() -> None:
    assert setup_commands() == SETUP


def test_test_command_is_the_documented_one() -> None:
    assert readme_test_command() == "pip install -e '.[test]' && python -m pytest"


def test_ci_runs_the_readme_test_command() -> None:
    assert CI.exists(), ".ci/run is missing"
    assert os.access(CI, os.X_OK), ".ci/run is not executable"
    lines = [l.strip() for l in CI.read_text(encoding="utf-8").splitlines()]
    assert readme_test_command() in lines


@pytest.mark.parametrize("reason", sorted(REASONS))
def test_readme_lists_every_rejection_reason(reason: str) -> None:
    assert f"| `{reason}` |" in readme()


def test_readme_lists_no_other_reason() -> None:
    section = readme().split("### Rejection reasons", 1)[1].split("\n## ", 1)[0]
    listed = re.findall(r"^\| `([^`]+)` \|", section, re.MULTILINE)
    assert sorted(listed) == sorted(REASONS)
