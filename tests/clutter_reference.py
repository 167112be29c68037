"""The clutter stage as it was before its fast paths (line tests run once per
line, cheaper word counting): kept as the reference tests/test_clutter_fast.py
compares the stage with. Not used by the pipeline. Its docstring was:

Stage clutter: cut the trailing region of other articles' material
(recommended headlines, cut teasers, ``Headline | tag | tag`` lines, SEO link
spam, anything after an end marker).

The article body is one contiguous run, so clutter is a *suffix* of the text.
The content lines are grouped into blocks (a run of headline-like lines plus
the paragraph that follows them, or a lone paragraph); each block gets a score
in [0, 1] from several small signals, combined as a noisy-OR and compared
with ``config.clutter_threshold``. The boundary is where the summed margin
(score - threshold) of the suffix peaks, so an article's own last paragraph,
with body above it, stays. After the last end marker (``- END -``) everything
is clutter; the marker line itself is left to the boilerplate stage.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, replace

from pipeline.config import Config
from pipeline.document import Document
from pipeline.lines import Line, content_lines, merge, removal
from pipeline.patterns import clutter as P
# Lines the boilerplate stage removes (Source:, bios, funding notes, end
# markers) sit between the body and the clutter: they are neither body nor
# clutter, so the walk steps over them and leaves them to that stage.
from pipeline.stages.boilerplate import classify as boilerplate_rule
from pipeline.stages.boilerplate import is_end_marker

NAME = "clutter"

HEADLINE_MAX_WORDS = 14  # longer unpunctuated lines are cut paragraphs, not headlines
ON_TOPIC_COSINE = 0.25  # word cosine with the body at which a block reads as on-topic
ABSORB_MIN_DRIFT = 0.5  # a block below the threshold joins the region only if this off-topic
MIN_BODY_WORDS = 25  # drift needs this many content words of body above a block
MAX_TOKEN_CHARS = 40  # longer "words" are junk; never a part number

# Weight of each signal in the noisy-OR: how sure it alone makes us.
# A tag line alone, or a headline + cut teaser on another topic, reaches 0.5;
# a lone complete paragraph on another topic (drift only) does not.
WEIGHTS = {
    "after end marker": 0.9,
    "link spam": 0.95,
    "related label": 0.8,
    "tag syntax": 0.6,
    "duplicated line": 0.4,
    "ends in ellipsis": 0.45,
    "cut mid-sentence": 0.25,  # bodies have unpunctuated lines too (attributions, cut quotes)
    "headline": 0.3,
    "off-topic": 0.35,
}
# Weak signals count fully only off-topic: an article's own subheading, or its
# last paragraph trailing off in "...", looks like a teaser but shares its words.
DRIFT_GATED = ("ends in ellipsis", "cut mid-sentence", "headline")


# ----------------------------------------------------------------- line signals


def normalise(text: str) -> str:
    return " ".join(text.split())


def ends_sentence(text: str) -> bool:
    """The line ends like a complete sentence (closing quotes/brackets ignored)."""
    core = text.rstrip().rstrip(P.CLOSERS).rstrip()
    return bool(core) and core[-1] in P.SENTENCE_END


def ends_in_ellipsis(text: str) -> bool:
    return text.rstrip().endswith(P.ELLIPSES)


def is_tag_line(text: str) -> bool:
    """'Headline | tag | tag': two or more non-empty parts, a later one short."""
    for sep in P.TAG_SEPARATORS[1:]:
        text = text.replace(sep, P.TAG_SEPARATORS[0])
    parts = [p.strip() for p in text.split(P.TAG_SEPARATORS[0])]
    parts = [p for p in parts if p]
    return len(parts) >= 2 and any(len(p.split()) <= 4 for p in parts[1:])


def is_link_spam(text: str) -> bool:
    """'The Links: PM100CBS060 SEMIX353GB126V1', or a line of part numbers."""
    if P.LINKS_LABEL.match(text):
        return True
    tokens = text.split()
    codes = sum(1 for t in tokens if len(t) <= MAX_TOKEN_CHARS and P.PART_NUMBER.match(t))
    return len(tokens) >= 2 and codes / len(tokens) >= 0.6


def is_headline(text: str) -> bool:
    """Short and unpunctuated, or a short question/exclamation not in quotes:
    a headline (or a teaser cut after a few words)."""
    n = len(text.split())
    if not 1 <= n <= HEADLINE_MAX_WORDS or ends_in_ellipsis(text):
        return False
    end = text.rstrip()[-1]
    return not ends_sentence(text) or end in P.HEADLINE_END


def is_related_label(text: str) -> bool:
    """'Related articles', 'You may also like:': a label over other articles."""
    return len(text) <= P.RELATED_LABEL_MAX_CHARS and P.RELATED_LABEL.match(text) is not None


def is_cut(text: str) -> bool:
    """A paragraph stopping mid-sentence: long and without final punctuation
    (a closing link or @handle is not a cut)."""
    tokens = text.split()
    if len(tokens) <= HEADLINE_MAX_WORDS or ends_sentence(text) or ends_in_ellipsis(text):
        return False
    return not (P.LINK_TOKEN.search(tokens[-1]) or tokens[-1].startswith(("@", "#")))


def is_duplicate(lines: list[Line], i: int) -> bool:
    """The line repeats its neighbour (tag lines are often printed twice)."""
    here = normalise(lines[i].text)
    return any(0 <= j < len(lines) and normalise(lines[j].text) == here for j in (i - 1, i + 1))


def words(text: str) -> Counter:
    return Counter(w for w in (m.group().lower() for m in P.WORD.finditer(text)) if w not in P.STOPWORDS)


class Bag:
    """Word counts with their squared norm kept up to date, so comparing each
    block with the growing body stays linear in the length of the text."""

    def __init__(self) -> None:
        self.counts: Counter = Counter()
        self.norm2 = 0
        self.total = 0

    def add(self, counts: Counter) -> None:
        self.total += sum(counts.values())
        for w, c in counts.items():
            old = self.counts[w]
            self.counts[w] = old + c
            self.norm2 += (old + c) ** 2 - old * old


def cosine(block: Counter, body: Bag) -> float:
    if not block or not body.norm2:
        return 0.0
    dot = sum(c * body.counts.get(w, 0) for w, c in block.items())
    return dot / math.sqrt(sum(c * c for c in block.values()) * body.norm2)


def drift(block: Counter, body: Bag) -> float:
    """1 for a block sharing no content words with the body, 0 when on-topic."""
    if not block or body.total < MIN_BODY_WORDS:
        return 0.0  # too little body to compare with: no evidence either way
    return max(0.0, 1.0 - cosine(block, body) / ON_TOPIC_COSINE)


# ----------------------------------------------------------------------- blocks


@dataclass
class Block:
    lines: list[Line]
    signals: dict[str, float]
    score: float = 0.0
    boilerplate: bool = False  # a lone line the boilerplate stage will remove


def group_blocks(lines: list[Line]) -> list[list[Line]]:
    """Headline-like lines gather with the paragraph after them; end markers,
    spam, related-articles labels and boilerplate lines stand alone (they
    introduce no teaser); any other paragraph is a block of its own."""
    blocks: list[list[Line]] = []
    lead: list[Line] = []
    for line in lines:
        t = line.text
        if is_end_marker(t) or is_link_spam(t) or is_related_label(t) or boilerplate_rule(t):
            blocks += [lead, [line]] if lead else [[line]]
            lead = []
        elif is_headline(t) or is_tag_line(t):
            lead.append(line)
        else:
            blocks.append(lead + [line])
            lead = []
    if lead:
        blocks.append(lead)
    return blocks


def structural_signals(block: list[Line]) -> dict[str, float]:
    """Every signal but drift: what the block looks like, regardless of topic."""
    texts = [line.text for line in block]
    last = texts[-1]
    return {
        "link spam": float(any(is_link_spam(t) for t in texts)),
        "related label": float(any(is_related_label(t) for t in texts)),
        "tag syntax": float(any(is_tag_line(t) for t in texts)),
        "duplicated line": float(any(is_duplicate(block, i) for i in range(len(block)))),
        "ends in ellipsis": float(ends_in_ellipsis(last)),
        "cut mid-sentence": float(is_cut(last)),
        # A lone short line could be a credit or sign-off; a headline over a
        # teaser, or a list of headlines, is the related-articles shape.
        "headline": float(is_headline(texts[0])) * (1.0 if len(texts) > 1 else 0.5),
    }


def combine(signals: dict[str, float]) -> float:
    """Noisy-OR of weighted signals, in [0, 1]; weak signals scaled by drift."""
    gate = 0.5 + 0.5 * signals.get("off-topic", 1.0)
    keep = 1.0
    for name, value in signals.items():
        keep *= 1.0 - WEIGHTS[name] * value * (gate if name in DRIFT_GATED else 1.0)
    return 1.0 - keep


def score_blocks(groups: list[list[Line]], threshold: float) -> list[Block]:
    """Score every block; drift compares a block with the text above it,
    leaving out blocks that already look like clutter by their form."""
    body = Bag()
    blocks = []
    for group in groups:
        signals = structural_signals(group)
        structural = combine(signals)
        bag = words(" ".join(line.text for line in group))
        signals["off-topic"] = drift(bag, body)
        lone_boilerplate = len(group) == 1 and boilerplate_rule(group[0].text) is not None
        blocks.append(Block(group, signals, combine(signals), lone_boilerplate))
        if structural < threshold and not lone_boilerplate:
            body.add(bag)
    return blocks


def after_last_marker(blocks: list[Block]) -> int:
    """Index of the first block after the last end marker (0 when none; a
    marker opening the text does not count)."""
    for i in range(len(blocks) - 1, 0, -1):
        if is_end_marker(blocks[i].lines[0].text):
            return i + 1
    return 0


def marked(block: Block) -> Block:
    """The block as seen after an end marker."""
    signals = {**block.signals, "after end marker": 1.0}
    return replace(block, signals=signals, score=combine(signals))


def trailing_region(blocks: list[Block], threshold: float) -> tuple[list[Block], bool]:
    """The suffix of blocks that is clutter, and whether an end marker began it.

    Blocks after the last end marker carry the marker signal, and the region
    never reaches above the marker. The region starts at the boundary that
    maximises the sum of (score - threshold) over it. So a weaker, off-topic
    teaser between clear clutter blocks goes too, while the article's last
    paragraph (below the threshold, with body, not clutter, above it) stays.
    An on-topic block below the threshold is never absorbed: a "Related" box
    inside an article must not take the paragraph after it. Boilerplate
    blocks count for neither side. The first block (the opening of the text)
    is never part of the region.
    """
    first = after_last_marker(blocks)
    blocks = blocks[:first] + [marked(b) for b in blocks[first:]] if first else blocks
    content = [i for i in range(max(1, first), len(blocks)) if not blocks[i].boilerplate]
    start, best, total = len(blocks), 0.0, 0.0
    for i in reversed(content):
        b = blocks[i]
        if b.score < threshold and b.signals["off-topic"] < ABSORB_MIN_DRIFT:
            break  # on-topic text below the threshold is body: the region cannot reach past it
        total += b.score - threshold
        if total >= best:  # (so the region always starts with a block reaching the threshold)
            start, best = i, total
    region = [blocks[i] for i in content if i >= start]
    return region, bool(first) and bool(region)


# ------------------------------------------------------------------------ rules


def line_rule(block: Block, i: int, after_marker: bool) -> str:
    """Name the removal by what the line is."""
    t = block.lines[i].text
    if after_marker:
        return "clutter.after_end_marker/v1"
    if is_link_spam(t):
        return "clutter.seo_links/v1"
    if is_related_label(t):
        return "clutter.related_label/v1"
    if is_tag_line(t):
        return "clutter.tag_line/v1"
    if is_duplicate(block.lines, i):
        return "clutter.duplicate_line/v1"
    if is_headline(t) and (i < len(block.lines) - 1 or len(block.lines) == 1):
        return "clutter.headline/v1"
    return "clutter.teaser/v1"


def reason(block: Block) -> str:
    fired = ", ".join(f"{k} {v:.2f}" if k == "off-topic" else k for k, v in block.signals.items() if v > 0)
    return f"trailing clutter block, score {block.score:.2f} ({fired or 'no signal'})"


def review_threshold(config: Config) -> float:
    """Where the decision flips on the scale of the edits' score."""
    return config.clutter_threshold


def apply(doc: Document, config: Config) -> Document:
    threshold = config.clutter_threshold
    region, after_marker = trailing_region(score_blocks(group_blocks(content_lines(doc.text)), threshold), threshold)
    edits = [
        removal(doc.text, line, NAME, line_rule(block, i, after_marker), reason(block), round(block.score, 4))
        for block in region
        for i, line in enumerate(block.lines)
    ]
    return doc.with_edits(merge(edits))
