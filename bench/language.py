"""Time the language stage per document, on the documents as they reach it.

    python bench/language.py [--raw bench/corpus/2000/raw] [--repeat 3]

Runs `curate run --workers 1` in this process on --raw (into a temporary
clean/), keeping each document as it reaches the language stage; then times
the stage on them: once cold (langdetect's profiles, about half a second,
are loaded by the first document that needs langdetect), then warm (best of
--repeat passes). Prints the share of documents the plain-English check
decides. Target (issue 5): <= 0.2 ms per document, warm.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline import cli  # noqa: E402
from pipeline.config import Config  # noqa: E402
from pipeline.stages import language  # noqa: E402


def documents_at_the_stage(raw: Path) -> list:
    """Every document as the language stage receives it in a run."""
    seen, apply = [], language.apply
    language.apply = lambda doc, config: seen.append(doc) or apply(doc, config)
    try:
        with tempfile.TemporaryDirectory() as clean:
            cli.main(["run", "--raw", str(raw), "--clean", clean, "--workers", "1", "--no-cache", "--quiet"])
    finally:
        language.apply = apply
    return seen


def seconds(docs: list, config: Config) -> float:
    started = time.perf_counter()
    for doc in docs:
        language.apply(doc, config)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--raw", type=Path, default=ROOT / "bench" / "corpus" / "2000" / "raw")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    config = Config()
    docs = documents_at_the_stage(args.raw)
    language._factory.cache_clear()  # cold: the profiles load again in the first pass
    cold = seconds(docs, config)
    warm = min(seconds(docs, config) for _ in range(args.repeat))
    decided = sum(language.plainly_english(language.sample(d.text.strip(), config.language_sample_chars))
                  for d in docs)
    n = max(len(docs), 1)
    print(f"documents at the language stage: {len(docs)}")
    print(f"decided by the plain-English check: {decided} ({decided / n:.1%}); langdetect: {len(docs) - decided}")
    print(f"cold (profiles loaded once): {cold / n * 1000:.3f} ms per document")
    print(f"warm (best of {args.repeat}): {warm / n * 1000:.3f} ms per document (target <= 0.2)")


if __name__ == "__main__":
    main()
