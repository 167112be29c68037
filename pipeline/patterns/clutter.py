"""Markers and word lists of the clutter stage (other articles' material
trailing the article: related headlines, cut teasers, tag lines, SEO spam).

The stage tests lines with string methods where it can (``split("|")``,
``endswith``); the few regexes here are single-class repetitions, linear on
1 MB of ``|``, dots, dashes or spaces.
"""

import re

# End markers ("- END -") are defined once, in pipeline.patterns.boilerplate.

# "Headline | tag | tag": the separators of a tag line.
TAG_SEPARATORS = ("|", "｜")

# Characters that close a complete sentence, once closing quotes and brackets
# are stripped off the end of a line. Not patterns.punctuation.ENDS_SENTENCE:
# that set has no full-width marks and no ; or :, and sharing one set would
# change which lines count as cut teasers.
SENTENCE_END = ".!?;:。！？；：…"
CLOSERS = "\"'”’»)]）】"
# A short line ending so is a headline ("Is AI a threat?"), not a sentence,
# unless it closes a quotation.
HEADLINE_END = "?!？！"
# A teaser cut by the site: "... now Hollywood is ..."
ELLIPSES = ("...", "…", ". . .")

# A token that is a link: a line ending in one is not cut mid-sentence.
# (each repetition starts with a dot the class cannot match: no backtracking)
LINK_TOKEN = re.compile(r"^(?:https?://|www\.|[\w-]+(?:\.[\w-]+)+/)", re.IGNORECASE)

# Labels a site puts over other articles' headlines; the whole line must be
# the label (an optional colon or arrow may follow).
RELATED_LABEL = re.compile(
    r"^\s*(?:Related(?: (?:articles?|stories|news|posts?|reading|content|links|coverage))?|"
    r"Recommended(?: (?:articles?|stories|reading|for you))?|Read (?:more|also|next)|See also|"
    r"You (?:may|might) (?:also )?(?:like|be interested in)|More (?:from|on|stories|news)(?: [\w ]{1,30})?|"
    r"Most (?:popular|read|viewed|shared)|Popular (?:articles|stories|posts|now)|Trending(?: now)?|"
    r"Editor'?s? (?:picks?|choice)|Further reading|Hot (?:news|topics|articles)|Latest (?:news|stories)|"
    r"Top stories|Previous (?:article|post)|Next (?:article|post))\s?[:：»>›-]?\s*$",
    re.IGNORECASE,
)
RELATED_LABEL_MAX_CHARS = 60

# SEO link spam: "The Links:   PM100CBS060 SEMIX353GB126V1".
LINKS_LABEL = re.compile(r"^\s*(?:The |Related |Hot |Friendly )?Links?\s?[:：]", re.IGNORECASE)
# A part-number-like token: capitals and digits mixed, 5+ characters.
PART_NUMBER = re.compile(r"^(?=[A-Z0-9-]*[A-Z])(?=[A-Z0-9-]*\d)[A-Z0-9-]{5,}$")
# Five characters a part number is made of, in a row: a line without them
# holds no part number (checked before splitting a line into tokens). Written
# as one class then four, so the search skips ahead by the first class.
CODE_RUN = re.compile(r"[A-Z0-9-][A-Z0-9-]{4}")
# CODE_RUN found without the regex engine, twice as fast: in a text's ASCII
# bytes translated by CODE_MARKS, each character of [A-Z0-9-] is an "X" and
# every other byte a space (a line break stays one), so the text holds a
# CODE_RUN where its translation holds CODE_RUN_MARKS. (A character beyond
# ASCII is encoded as one "?", never a mark: half the time of UTF-8.)
CODE_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-"
CODE_MARKS = bytes(ord("X") if chr(b) in CODE_CHARS else b if b == ord("\n") else ord(" ") for b in range(256))
CODE_RUN_MARKS = b"XXXXX"

# Words for the topical-drift signal: letters only, 3+ characters.
WORD = re.compile(r"[^\W\d_]{3,}")
# Common characters outside ASCII that WORD does not match: they part words
# as a space does, so the stage makes them spaces (a text left ASCII is then
# counted the fast way).
WORD_BREAKERS = "\u2014\u2013\u201c\u201d\u2018\u2019\u2026\u2022\u00b7\u00ab\u00bb\u00a0\ufffd"
# An ASCII text's letters lowered and every other character a space: its
# WORDs are then the runs of three letters or more between spaces.
ASCII_LETTERS_LOWERED = str.maketrans({chr(c): chr(c).lower() if chr(c).isalpha() else " " for c in range(128)})

# Function words carry no topic; dropped before comparing a block with the body.
STOPWORDS = frozenset("""
a about above after again against all also although am among an and another any are around as at
be because been before being below between both but by can could did do does doing down during
each either else ever every few for from further get gets got had has have having he her here hers
herself him himself his how however i if in into is it its itself just last least less like made make
many may me might more most much must my myself near neither never new next no nor not now of off
often on once one only or other others our ours ourselves out over own per put rather said same say
says see seen she should since so some still such than that the their theirs them themselves then
there these they this those though three through thus to too two under until up upon us very was we
well were what when where whether which while who whom whose why will with within without would year
years yet you your yours yourself mr mrs ms told added according
""".split())

# The drift signal drops stopwords; on ASCII text the stage also drops here
# the 1-2 letter runs WORD does not match.
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
SHORT_OR_STOPWORDS = STOPWORDS | {a + b for a in _LETTERS for b in ("", *_LETTERS)}

# The same tables for words counted as bytes (the stage's word counts are
# keyed by UTF-8 bytes: splitting bytes is cheaper than splitting a str).
ASCII_LETTERS_LOWERED_BYTES = bytes(
    ord(chr(b).lower()) if chr(b).isalpha() and b < 128 else ord(" ") for b in range(256))
STOPWORDS_BYTES = frozenset(w.encode() for w in STOPWORDS)
SHORT_OR_STOPWORDS_BYTES = frozenset(w.encode() for w in SHORT_OR_STOPWORDS)
