"""One immutable, documented Config; its hash goes into every version's manifest."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path


@dataclass(frozen=True)
class Config:
    """Options of a run. Every field can be set in a TOML file passed with --config.

    keep_languages: documents whose detected language is not listed are rejected
        with reason ``language:<code>``.
    language_sample_chars: the language is read from at most this many
        characters of the body (a bounded sample keeps it fast on long
        documents), by the plain-English check and, where it is not
        conclusive, by langdetect.
    language_seed: langdetect's seed, so detection is deterministic.
    max_file_bytes: larger inputs are rejected with reason ``too_large`` without
        being read. 10 MB: a long article is 100 KB; anything near the limit is
        a dump, not an article, and would only slow the run down.
    max_line_chars: an input with a longer line (in characters, after
        decoding) is rejected with reason ``line_too_long``. In the raw format a
        line is a paragraph: the longest in the dev set has about 2,000
        characters, so a 100,000-character line is a dump or a file without
        line breaks, not an article.
    allow_symlinks_outside: read symlinks that point outside --raw (also
        ``curate run --follow-symlinks``). Off by default: such a link is
        rejected with reason ``unsafe_path`` and its target is never opened.
    clutter_threshold: a trailing block whose clutter score reaches this value
        ends the article; blocks after it are removed.
    min_body_chars: a document with less clean text than this is rejected
        with reason ``no_body``.
    duplicate_threshold: a document whose estimated Jaccard similarity to a
        document kept earlier (in id order) reaches this value is rejected with
        reason ``duplicate``. 0.5 of 5-word shingles: one sentence changed in a
        150-word article still scores about 0.6, while distinct articles on the
        same topic share almost no 5-word runs (below 0.1). Exact duplicates
        (same normalised text) are rejected whatever the threshold.
    duplicate_num_perm: bins of the (one-permutation) MinHash signature; 128
        estimates a similarity to about +-0.04. Signatures are kept in a
        temporary file, not in memory (pipeline.dedup).
    duplicate_shingle_words: words per shingle. Five: shorter shingles are
        shared by unrelated texts on one topic, longer ones let a single
        changed word hide more of the text.
    body_threshold: the goodness (0 = site furniture, 1 = article prose) a
        line needs to count for the article body when the boundaries stage
        looks for where the body starts and ends.
    repeat_min_docs: a line (compared as lower-case words, digits masked)
        found in at least this many documents of the corpus counts as
        repeated boilerplate (first pass, pipeline.corpus_stats)...
    repeat_min_share: ... and in at least this share of the documents.
    review_margin: a removal whose score lies this close to its stage's
        decision threshold is listed in the change report as "to review".
    review_max_items: at most this many such removals are listed (all are counted).
    """

    keep_languages: tuple[str, ...] = ("en",)
    language_sample_chars: int = 2000
    language_seed: int = 0
    max_file_bytes: int = 10_000_000
    max_line_chars: int = 100_000
    allow_symlinks_outside: bool = False
    clutter_threshold: float = 0.5
    min_body_chars: int = 1
    duplicate_threshold: float = 0.5
    duplicate_num_perm: int = 128
    duplicate_shingle_words: int = 5
    body_threshold: float = 0.4
    repeat_min_docs: int = 3
    repeat_min_share: float = 0.01
    review_margin: float = 0.1
    review_max_items: int = 1000

    def __post_init__(self) -> None:
        # Ranges a type check cannot see; the error names the key (CLI exit 2).
        for key, ok, want in (
            ("duplicate_threshold", 0 < self.duplicate_threshold <= 1, "in (0, 1]"),
            ("duplicate_num_perm", self.duplicate_num_perm >= 16, "at least 16"),
            ("duplicate_shingle_words", self.duplicate_shingle_words >= 1, "at least 1"),
        ):
            if not ok:
                raise ValueError(f"config key {key} must be {want}, not {getattr(self, key)!r}")

    def to_dict(self) -> dict:
        d = asdict(self)
        d["keep_languages"] = list(self.keep_languages)
        return d

    @property
    def hash(self) -> str:
        blob = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()


def load_config(path: Path | None) -> Config:
    """Read a TOML config; unknown keys are an error that names them."""
    if path is None:
        return Config()
    import tomllib  # here: most runs read no config file (~2 ms of every run's start)
    with open(path, "rb") as f:
        data = tomllib.load(f)
    known = {f.name for f in fields(Config)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ValueError(f"{path}: unknown config keys {unknown}; known keys: {sorted(known)}")
    for f in fields(Config):
        if f.name in data:
            data[f.name] = _typed(path, f.name, data[f.name], type(f.default))
    return Config(**data)


def _typed(path: Path, key: str, value, want: type):
    """The value as the field's type; a wrong type is an error naming the key
    (a string for keep_languages would otherwise become a tuple of letters)."""
    if want is tuple and isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    if want is float and isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if want is int and isinstance(value, int) and not isinstance(value, bool):
        return value
    if want is bool and isinstance(value, bool):
        return value
    expected = {tuple: "a list of strings", float: "a number", int: "an integer", bool: "true or false"}[want]
    raise ValueError(f"{path}: config key {key} must be {expected}, not {value!r}")
