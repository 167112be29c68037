"""A deterministic benchmark corpus built from the repo's raw/ articles.

Every document is new prose assembled from the seed articles' sentences
(random sentences per paragraph, so documents are distinct and the duplicate
index keeps them), with the damage curate exists to repair, each at a fixed
rate: mojibake, invisible characters, photo captions, end markers and
funding notes, trailing clutter (other articles' headlines), and exact
duplicates of earlier documents. The same ``--docs`` and ``--seed`` always
give the same bytes.

    python bench/generate.py --docs 20000 --out bench/corpus/20000
        writes OUT/raw/*.txt and OUT/corpus.jsonl (the same texts, for datatrove)
"""

from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path

SEED_RAW = Path(__file__).resolve().parent.parent / "raw"
SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“])")

RATES = {  # share of documents with each perturbation
    "mojibake": 0.10,
    "invisible": 0.10,
    "caption": 0.15,
    "boilerplate": 0.15,
    "clutter": 0.15,
    "duplicate": 0.02,
}
INVISIBLE = ("\u200b", "\u00ad", "\u2060", "\ufeff", "\u200e")
CAPTIONS = ("Photo: {who} / Xinhua", "(Photo by {who})", "Image source: {who}", "Photographer: {who}")
BOILERPLATE = ("- END -", "This article was funded by the {who} Foundation.", "Editor: {who}",
               "Source: {who} Daily")
NAMES = ("Li Wei", "Zhang Min", "Chen Jie", "Wang Fang", "Liu Yang", "Huang Lei", "Zhao Qiang", "Sun Li")


def seed_sentences(raw_dir: Path = SEED_RAW) -> list[str]:
    """The seed articles' sentences (body lines only: long lines cut at sentence ends)."""
    out = []
    for path in sorted(raw_dir.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if len(line) > 120:
                out.extend(s.strip() for s in SENTENCE.split(line) if len(s.strip()) > 40)
    return out


def headline(rng: random.Random, sentences: list[str]) -> str:
    words = rng.choice(sentences).split()
    start = rng.randrange(max(1, len(words) - 8))
    return " ".join(words[start : start + rng.randint(5, 9)]).strip(",.;:").capitalize()


def document(rng: random.Random, sentences: list[str]) -> str:
    who = rng.choice(NAMES)
    lines = [headline(rng, sentences), "",
             f"Issuing time:{2015 + rng.randrange(10)}-{1 + rng.randrange(12):02d}-{1 + rng.randrange(28):02d} 00:00", ""]
    paragraphs = [" ".join(rng.choice(sentences) for _ in range(rng.randint(3, 6)))
                  for _ in range(rng.randint(5, 9))]
    if rng.random() < RATES["mojibake"]:
        i = rng.randrange(len(paragraphs))
        paragraphs[i] = paragraphs[i].replace("'", "’").encode("utf-8").decode("cp1252", errors="replace")
    if rng.random() < RATES["invisible"]:
        i = rng.randrange(len(paragraphs))
        words = paragraphs[i].split(" ")
        for _ in range(3):
            j = rng.randrange(len(words))
            words[j] = words[j] + rng.choice(INVISIBLE)
        paragraphs[i] = " ".join(words)
    if rng.random() < RATES["caption"]:
        paragraphs.insert(rng.randrange(1, len(paragraphs)), rng.choice(CAPTIONS).format(who=who))
    if rng.random() < RATES["boilerplate"]:
        paragraphs.append(rng.choice(BOILERPLATE).format(who=who))
    if rng.random() < RATES["clutter"]:
        paragraphs.extend(headline(rng, sentences) for _ in range(rng.randint(3, 6)))
    return "\n".join(lines) + "\n" + "\n\n".join(paragraphs) + "\n"


def generate(docs: int, out: Path, seed: int = 0) -> Path:
    """Write OUT/raw/NNNNNNN.txt and OUT/corpus.jsonl; returns OUT."""
    rng = random.Random(seed)
    sentences = seed_sentences()
    raw = out / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    texts: list[str] = []  # only for duplicates: a bounded window of recent documents
    with open(out / "corpus.jsonl", "w", encoding="utf-8") as jsonl:
        for n in range(docs):
            if texts and rng.random() < RATES["duplicate"]:
                text = rng.choice(texts)
            else:
                text = document(rng, sentences)
            texts = (texts + [text])[-100:]
            doc_id = f"{n:07d}"
            (raw / f"{doc_id}.txt").write_text(text, encoding="utf-8")
            jsonl.write(json.dumps({"id": doc_id, "text": text}, ensure_ascii=False) + "\n")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    generate(args.docs, args.out, args.seed)


if __name__ == "__main__":
    main()
