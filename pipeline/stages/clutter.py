"""Stage clutter: cut the trailing region of other articles' material
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
from dataclasses import dataclass
from itertools import filterfalse, repeat
from operator import mul
from typing import NamedTuple

from pipeline.config import Config
from pipeline.document import Document
from pipeline.lines import content_lines, merge, removal
from pipeline.patterns import boilerplate as BP
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


# ------------------------------------------------------------------------ lines


class TextLine(NamedTuple):
    """What the stage reads of a content line (a pipeline.lines.Line serves
    as one): the tests build lines without offsets."""

    index: int
    text: str


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
    for sep in P.TAG_SEPARATORS:
        if sep in text:
            break
    else:
        return False  # one part (most lines: a scan per separator, no splitting)
    first, *others = P.TAG_SEPARATORS
    for sep in others:
        if sep in text:
            text = text.replace(sep, first)
    parts = [p for p in map(str.strip, text.split(first)) if p]
    # (at most 4 words: at most 4 pieces when split at most 4 times, not split in full)
    return len(parts) >= 2 and any(len(p.split(None, 4)) <= 4 for p in parts[1:])


def code_runs(text: str) -> int:
    """How many times P.CODE_RUN_MARKS fits, without overlap, in the text's
    marks: 0 when P.CODE_RUN finds nothing, else a bound on the number of
    part numbers (each is a run of five marks or more of its own)."""
    return text.encode("ascii", "replace").translate(P.CODE_MARKS).count(P.CODE_RUN_MARKS)


def code_runs_by_line(text: str) -> dict[int, int]:
    """code_runs of the lines of the text (by index in ``text.split("\\n")``)
    where it is not 0. One pass over the whole text: most documents hold none."""
    marks = text.encode("ascii", "replace").translate(P.CODE_MARKS)
    if P.CODE_RUN_MARKS not in marks:
        return {}
    return {i: n for i, line in enumerate(marks.split(b"\n")) if (n := line.count(P.CODE_RUN_MARKS))}


def is_link_spam(text: str, runs: int | None = None) -> bool:
    """'The Links: PM100CBS060 SEMIX353GB126V1', or a line of part numbers.
    ``runs``: the line's code_runs, when already known."""
    if P.LINKS_LABEL.match(text):
        return True
    runs = code_runs(text) if runs is None else runs
    if not runs:
        return False  # no token can be a part number (most lines: cheaper than splitting)
    tokens = text.split()
    if len(tokens) < 2 or runs / len(tokens) < 0.6:
        return False  # too few part numbers even if every run were one (a paragraph naming a model)
    codes = sum(1 for t in tokens if len(t) <= MAX_TOKEN_CHARS and P.PART_NUMBER.match(t))
    return codes / len(tokens) >= 0.6


def few_words(text: str) -> int:
    """min(number of words, HEADLINE_MAX_WORDS + 1): no need to split a paragraph."""
    return len(text.split(None, HEADLINE_MAX_WORDS))


def is_headline(text: str, n: int | None = None) -> bool:
    """Short and unpunctuated, or a short question/exclamation not in quotes:
    a headline (or a teaser cut after a few words). ``n``: few_words(text)."""
    n = few_words(text) if n is None else n
    if not 1 <= n <= HEADLINE_MAX_WORDS or ends_in_ellipsis(text):
        return False
    end = text.rstrip()[-1]
    return not ends_sentence(text) or end in P.HEADLINE_END


def is_related_label(text: str) -> bool:
    """'Related articles', 'You may also like:': a label over other articles."""
    return len(text) <= P.RELATED_LABEL_MAX_CHARS and P.RELATED_LABEL.match(text) is not None


def is_cut(text: str, n: int | None = None) -> bool:
    """A paragraph stopping mid-sentence: long and without final punctuation
    (a closing link or @handle is not a cut). ``n``: few_words(text)."""
    n = few_words(text) if n is None else n
    if n <= HEADLINE_MAX_WORDS or ends_sentence(text) or ends_in_ellipsis(text):
        return False
    last = text.rsplit(None, 1)[-1]
    return not (P.LINK_TOKEN.search(last) or last.startswith(("@", "#")))


def is_duplicate(lines: list[TextLine], i: int) -> bool:
    """The line repeats its neighbour (tag lines are often printed twice)."""
    here = normalise(lines[i].text)
    return any(0 <= j < len(lines) and normalise(lines[j].text) == here for j in (i - 1, i + 1))


def words(text: str) -> Counter:
    """The text's content words (WORD, lowered, no stopwords) and their
    counts, keyed by their UTF-8 bytes: splitting bytes costs less."""
    if not text.isascii():  # dashes and quotes part words as a space does
        for c in P.WORD_BREAKERS:
            if c in text:
                text = text.replace(c, " ")
    if text.isascii():
        # The same words, in C: WORD matches the runs of 3+ ASCII letters, the
        # runs left when every other character becomes a space; the runs of
        # 1-2 letters go with the stopwords (P.SHORT_OR_STOPWORDS).
        found = text.encode("ascii").translate(P.ASCII_LETTERS_LOWERED_BYTES).split()
        drop = P.SHORT_OR_STOPWORDS_BYTES
    else:  # word by word: lowering a whole text can merge or split words (a final sigma, a dotted I)
        found, drop = (w.lower().encode() for w in P.WORD.findall(text)), P.STOPWORDS_BYTES
    # (dropped before counting, in C: about half the words are stopwords)
    return Counter(filterfalse(drop.__contains__, found))


class Bag:
    """Word counts with their squared norm kept up to date, so comparing each
    block with the growing body stays linear in the length of the text."""

    def __init__(self) -> None:
        self.counts: Counter = Counter()
        self.norm2 = 0
        self.total = 0

    def add(self, counts: Counter) -> None:
        bag, get = self.counts, self.counts.get
        for w, c in counts.items():
            old = get(w, 0)
            bag[w] = old + c
            self.norm2 += 2 * old * c + c * c  # (old + c)^2 - old^2, in integers: exact
        self.total += sum(counts.values())

    def remove(self, counts: Counter) -> None:
        """Take back counts added before."""
        bag = self.counts
        for w, c in counts.items():
            old = bag[w]
            bag[w] = old - c
            self.norm2 -= 2 * old * c - c * c  # old^2 - (old - c)^2
        self.total -= sum(counts.values())

    @classmethod
    def of(cls, counts: Counter) -> Bag:
        """A bag holding these counts (counted in one go, not added block by block)."""
        bag = cls()
        bag.counts, bag.norm2, bag.total = counts, norm2(counts), sum(counts.values())
        return bag


def norm2(a: Counter) -> int:
    """dot(a, a), without looking the words up."""
    return sum(map(mul, a.values(), a.values()))


def dot(a: Counter, b: Counter) -> int:
    """Sum of a[w] * b[w] over a's words (C loops)."""
    return sum(map(mul, a.values(), map(b.get, a, repeat(0))))


def cosine(block: Counter, body: Bag) -> float:
    return cosine_of(block, dot(block, body.counts) if block and body.norm2 else 0, body.norm2)


def cosine_of(block: Counter, shared: int, body_norm2: int) -> float:
    """cosine, from dot(block, body counts) and the body's norm2 (integers)."""
    if not block or not body_norm2:
        return 0.0
    return shared / math.sqrt(norm2(block) * body_norm2)


def drift(block: Counter, body: Bag) -> float:
    """1 for a block sharing no content words with the body, 0 when on-topic."""
    if not block or body.total < MIN_BODY_WORDS:
        return 0.0  # too little body to compare with: no evidence either way
    return max(0.0, 1.0 - cosine(block, body) / ON_TOPIC_COSINE)


def drift_from_parts(block: Counter, body: Bag, extra: Counter) -> float:
    """drift(block, the body with ``extra`` added), without adding it: the
    dot products and norms of a sum are sums of integers, so exactly the
    same numbers reach the float arithmetic."""
    total = body.total + sum(extra.values())
    if not block or total < MIN_BODY_WORDS:
        return 0.0
    body_norm2 = body.norm2 + norm2(extra) + 2 * dot(extra, body.counts)
    shared = dot(block, body.counts) + dot(block, extra) if body_norm2 else 0
    return max(0.0, 1.0 - cosine_of(block, shared, body_norm2) / ON_TOPIC_COSINE)


# No line longer than this is an end marker or a related-articles label.
SHORT_LINE_CHARS = max(BP.END_MARKER_MAX_CHARS, P.RELATED_LABEL_MAX_CHARS)


class Facts:
    """A line's answers to the line tests above, each computed once: grouping,
    the block signals and the rule names ask the same questions of a line.
    The two asked of a few lines only (the last of a block, lines of a
    multi-line block) are computed when first asked."""

    __slots__ = ("_cut", "_few_words", "_normalised", "boilerplate", "end_marker", "ends_in_ellipsis", "headline",
                 "link_spam", "related_label", "tag_line", "text")

    def __init__(self, text: str, code_runs: int | None = None, tags: bool = True) -> None:
        """``code_runs``: the line's code_runs, when known; ``tags``: False
        when the text holds no tag separator (then no line is a tag line)."""
        self.text = text
        # (the tests that need a short line, or a few words, asked only then)
        short = len(text) <= SHORT_LINE_CHARS
        self.end_marker = short and is_end_marker(text)
        self.link_spam = is_link_spam(text, code_runs)
        self.related_label = short and is_related_label(text)
        self.boilerplate = boilerplate_rule(text) is not None
        n = self._few_words = few_words(text)
        self.headline = n <= HEADLINE_MAX_WORDS and is_headline(text, n)
        self.tag_line = tags and is_tag_line(text)
        self.ends_in_ellipsis = ends_in_ellipsis(text)
        self._cut: bool | None = None
        self._normalised: str | None = None

    @property
    def cut(self) -> bool:
        if self._cut is None:
            self._cut = is_cut(self.text, self._few_words)
        return self._cut

    @property
    def normalised(self) -> str:
        if self._normalised is None:
            self._normalised = normalise(self.text)
        return self._normalised

    def same_as(self, other: Facts) -> bool:
        """normalise(self.text) == normalise(other.text), normalising only
        lines that agree on their first and last characters other than spaces
        (those of the normalised texts: strip and split part at the same
        spaces). A headline and the paragraph under it seldom do."""
        a, b = self.text, other.text
        if a == b:
            return True
        a, b = a.strip(), b.strip()  # (no copy when there is nothing to strip)
        if a[:1] != b[:1] or a[-1:] != b[-1:]:
            return False
        return self.normalised == other.normalised


def line_facts(lines: list[TextLine], text: str | None = None) -> dict[int, Facts]:
    """Facts of a document's lines, by line index (for this document only).
    ``text``: the text the lines are of, searched for part numbers in one go."""
    if text is None:
        return {line.index: Facts(line.text) for line in lines}
    runs = code_runs_by_line(text)
    tags = any(sep in text for sep in P.TAG_SEPARATORS)
    return {line.index: Facts(line.text, runs.get(line.index, 0), tags) for line in lines}


def duplicated(block: list[TextLine], i: int, facts: dict[int, Facts]) -> bool:
    """is_duplicate, from the lines' facts."""
    here = facts[block[i].index]
    return any(here.same_as(facts[block[j].index]) for j in (i - 1, i + 1) if 0 <= j < len(block))


# ----------------------------------------------------------------------- blocks


@dataclass
class Block:
    lines: list[TextLine]
    signals: dict[str, float]
    score: float = 0.0
    boilerplate: bool = False  # a lone line the boilerplate stage will remove

    @property
    def highest_score(self) -> float:
        return self.score  # (its signals are final)


def group_blocks(lines: list[TextLine], facts: dict[int, Facts] | None = None) -> list[list[TextLine]]:
    """Headline-like lines gather with the paragraph after them; end markers,
    spam, related-articles labels and boilerplate lines stand alone (they
    introduce no teaser); any other paragraph is a block of its own."""
    facts = facts or line_facts(lines)
    blocks: list[list[TextLine]] = []
    lead: list[TextLine] = []
    for line in lines:
        f = facts[line.index]
        if f.end_marker or f.link_spam or f.related_label or f.boilerplate:
            blocks += [lead, [line]] if lead else [[line]]
            lead = []
        elif f.headline or f.tag_line:
            lead.append(line)
        else:
            blocks.append(lead + [line])
            lead = []
    if lead:
        blocks.append(lead)
    return blocks


def structural_signals(block: list[TextLine], facts: dict[int, Facts]) -> dict[str, float]:
    """Every signal but drift: what the block looks like, regardless of topic."""
    if len(block) == 1:  # (most blocks: one of few shapes, made once per process)
        return lone_line_shape(facts[block[0].index]).signals
    fs = [facts[line.index] for line in block]
    last = fs[-1]
    return {
        "link spam": float(any(f.link_spam for f in fs)),
        "related label": float(any(f.related_label for f in fs)),
        "tag syntax": float(any(f.tag_line for f in fs)),
        "duplicated line": float(any(duplicated(block, i, facts) for i in range(len(block)))),
        "ends in ellipsis": float(last.ends_in_ellipsis),
        "cut mid-sentence": float(last.cut),
        # A lone short line could be a credit or sign-off; a headline over a
        # teaser, or a list of headlines, is the related-articles shape.
        "headline": float(fs[0].headline) * (1.0 if len(fs) > 1 else 0.5),
    }


class Shape(NamedTuple):
    """The signals of a one-line block but drift (shared: never changed), its
    score without drift (``combine``) and at the highest drift."""

    signals: dict[str, float]
    score: float
    highest: float

    @classmethod
    def of(cls, signals: dict[str, float]) -> "Shape":
        return cls(signals, combine(signals), combine({**signals, "off-topic": 1.0}))


def lone_line_shape(f: Facts) -> Shape:
    key = (f.link_spam, f.related_label, f.tag_line, f.ends_in_ellipsis, f.cut, f.headline)
    shape = _SHAPES.get(key)
    if shape is None:
        signals = {
            "link spam": float(f.link_spam),
            "related label": float(f.related_label),
            "tag syntax": float(f.tag_line),
            "duplicated line": 0.0,
            "ends in ellipsis": float(f.ends_in_ellipsis),
            "cut mid-sentence": float(f.cut),
            "headline": float(f.headline) * 0.5,
        }
        shape = _SHAPES[key] = Shape.of(signals)
    return shape


_SHAPES: dict[tuple[bool, ...], Shape] = {}  # lone_line_shape's, by the facts they depend on (64 at most)


def combine(signals: dict[str, float]) -> float:
    """Noisy-OR of weighted signals, in [0, 1]; weak signals scaled by drift."""
    gate = 0.5 + 0.5 * signals.get("off-topic", 1.0)
    keep = 1.0
    for name, value in signals.items():
        if value:  # (a signal at 0 would multiply keep by 1.0 exactly)
            keep *= 1.0 - WEIGHTS[name] * value * (gate if name in DRIFT_GATED else 1.0)
    return 1.0 - keep


def score_blocks(groups: list[list[TextLine]], threshold: float, facts: dict[int, Facts]) -> list[ScoredBlock]:
    """Score every block; drift compares a block with the text above it,
    leaving out blocks that already look like clutter by their form. A
    block's drift is computed when its score is first read (see Topic)."""
    shapes = [lone_line_shape(facts[group[0].index]) if len(group) == 1 else many_line_shape(group, facts)
              for group in groups]
    lone = [len(group) == 1 and facts[group[0].index].boilerplate for group in groups]
    in_body = [shape.score < threshold and not lone_boilerplate for shape, lone_boilerplate in zip(shapes, lone)]
    topic = Topic(groups, in_body)
    return [ScoredBlock(group, shape, lone_boilerplate, i, topic)
            for i, (group, shape, lone_boilerplate) in enumerate(zip(groups, shapes, lone))]


def many_line_shape(block: list[TextLine], facts: dict[int, Facts]) -> Shape:
    signals = structural_signals(block, facts)
    key = tuple(signals.values())  # (each 0.0 or 1.0, in one order)
    shape = _MANY_SHAPES.get(key)
    if shape is None:
        shape = _MANY_SHAPES[key] = Shape.of(signals)
    return shape


_MANY_SHAPES: dict[tuple[float, ...], Shape] = {}  # many_line_shape's, by their signals (128 at most)


class Topic:
    """Each block's drift from the body above it, computed for the blocks
    asked about only. The trailing walk asks from the end and stops at the
    body, so most blocks are only counted into the body, all in one go: the
    words of a space-joined text are the words of its parts. (A block's
    text is its lines joined by spaces, made when asked for.)"""

    def __init__(self, blocks: list[list[TextLine]], in_body: list[bool]) -> None:
        self.blocks, self.in_body = blocks, in_body
        self.bags: dict[int, Counter] = {}
        self.drifts: dict[int, float] = {}
        self.body: Bag | None = None
        self.below = 0  # self.body holds the body blocks before this index

    def bag(self, i: int) -> Counter:
        if i not in self.bags:
            self.bags[i] = words(" ".join(line.text for line in self.blocks[i]))
        return self.bags[i]

    def drift(self, i: int) -> float:
        if i not in self.drifts:
            if self.body is None:
                self.drifts[i] = self.first_drift(i)
            else:
                self.move_body_to(i)
                self.drifts[i] = drift(self.bag(i), self.body)
        return self.drifts[i]

    def first_drift(self, i: int) -> float:
        """drift(i), counting the body below the last body block under i in one
        go and that block on its own: the walk mostly asks next about that
        block (the article's last paragraph, under the clutter), whose words
        are then counted once, not a second time to take them out."""
        last = next((j for j in range(i - 1, -1, -1) if self.in_body[j]), None)
        if last is None:
            self.move_body_to(i)
            return drift(self.bag(i), self.body)
        self.move_body_to(last)
        return drift_from_parts(self.bag(i), self.body, self.bag(last))

    def move_body_to(self, i: int) -> None:
        if self.body is None:
            body = zip(self.blocks[:i], self.in_body)
            self.body = Bag.of(words(" ".join(line.text for block, b in body if b for line in block)))
            self.below = i
        for j in range(self.below, i):
            if self.in_body[j]:
                self.body.add(self.bag(j))
        for j in range(i, self.below):
            if self.in_body[j]:
                self.body.remove(self.bag(j))
        self.below = i


class ScoredBlock:
    """A Block whose drift, and so signals and score, are computed when first
    read (trailing_region reads the last blocks only)."""

    def __init__(self, lines: list[TextLine], shape: Shape, boilerplate: bool, index: int, topic: Topic) -> None:
        self.lines, self.boilerplate = lines, boilerplate
        self._shape, self._highest = shape.signals, shape.highest
        self._index, self._topic = index, topic
        self._signals: dict[str, float] | None = None
        self._score: float | None = None

    @property
    def signals(self) -> dict[str, float]:
        if self._signals is None:
            self._signals = {**self._shape, "off-topic": self._topic.drift(self._index)}
        return self._signals

    @property
    def score(self) -> float:
        if self._score is None:
            self._score = combine(self.signals)
        return self._score

    @property
    def highest_score(self) -> float:
        """The score at the highest drift, 1, without computing the drift: a
        score only grows with the drift (see cannot_reach)."""
        return self._highest


def after_last_marker(blocks: list[Block]) -> int:
    """Index of the first block after the last end marker (0 when none; a
    marker opening the text does not count)."""
    for i in range(len(blocks) - 1, 0, -1):
        if is_end_marker(blocks[i].lines[0].text):  # (one test per block, from the end: cheap)
            return i + 1
    return 0


def marked(block: Block) -> Block:
    """The block as seen after an end marker."""
    signals = {**block.signals, "after end marker": 1.0}
    return Block(block.lines, signals, combine(signals), block.boilerplate)


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
    if not first and cannot_reach(blocks, content, threshold):
        return [], False
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


def cannot_reach(blocks: list[Block], content: list[int], threshold: float) -> bool:
    """The walk of trailing_region finds no region, whatever the drifts: no
    suffix of the content blocks sums to 0 or more even at the highest scores.
    The walk's sums are never higher (in floats too: a block's score is a
    product of factors that only shrink as its drift grows, and rounding keeps
    order), so most documents skip measuring a drift: counting the words of
    their whole body."""
    total = 0.0
    for i in reversed(content):
        total += blocks[i].highest_score - threshold
        if total >= 0.0:
            return False
    return True


# ------------------------------------------------------------------------ rules


def line_rule(block: Block, i: int, after_marker: bool, facts: dict[int, Facts]) -> str:
    """Name the removal by what the line is."""
    f = facts[block.lines[i].index]
    if after_marker:
        return "clutter.after_end_marker/v1"
    if f.link_spam:
        return "clutter.seo_links/v1"
    if f.related_label:
        return "clutter.related_label/v1"
    if f.tag_line:
        return "clutter.tag_line/v1"
    if duplicated(block.lines, i, facts):
        return "clutter.duplicate_line/v1"
    if f.headline and (i < len(block.lines) - 1 or len(block.lines) == 1):
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
    # The lines of the boundaries stage, which split this same text (or, when
    # it cut lines, the text it returned): not split again, and the boilerplate
    # rules' memo (asked by both) finds each line by a hash already computed.
    lines = content_lines(doc.text)
    facts = line_facts(lines, doc.text)
    region, after_marker = trailing_region(score_blocks(group_blocks(lines, facts), threshold, facts), threshold)
    edits = [
        removal(doc.text, line, NAME, line_rule(block, i, after_marker, facts), reason(block), round(block.score, 4))
        for block in region
        for i, line in enumerate(block.lines)
    ]
    return doc.with_edits(merge(edits)) if edits else doc
