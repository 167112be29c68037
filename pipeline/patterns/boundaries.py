"""Tables and constants of the boundaries stage (finding where the article
body starts and ends inside a saved web page).

No phrase lists of navigation items: the stage judges lines by their shape
(length, stop-word density, sentence punctuation, capitalisation, repetition).
The only regex is a single-class repetition, linear on any input.
"""

import re

from pipeline.patterns.clutter import STOPWORDS as TOPIC_STOPWORDS

# Function words for the stop-word density (the jusText idea: prose is about
# 30-50% function words, menus, headlines and credits much less). The topic
# list of the clutter stage plus the pronouns and auxiliaries it leaves out.
STOPWORDS = TOPIC_STOPWORDS | frozenset("""
it's i'm don't didn't doesn't isn't wasn't aren't can't won't we're they're you're that's there's
let's i've we've they've he's she's
""".split())

# A word for density and coherence: letters (and an inner apostrophe).
WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
# The same words in ASCII text, three times as fast (the Unicode classes cost).
WORD_ASCII = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")

# Tokens compared for repetition, and digits masked in them.
TOKEN = re.compile(r"\w+")
TOKEN_ASCII = re.compile(r"\w+", re.ASCII)  # the same tokens in ASCII text, faster
DIGIT = re.compile(r"\d")


# The same classes as byte tables, for ASCII text: one bytes.translate maps a
# line to its words (lower case) and blanks, and C splits it, which costs a
# fraction of findall. Built from the regexes above, so they cannot disagree.
def _table(byte_of) -> bytes:
    return bytes(byte_of(chr(i)) for i in range(256))


_BLANK = ord(" ")
# TOKEN_ASCII characters lower-cased, DIGIT as "0", anything else a blank.
TOKEN_TABLE = _table(lambda c: ord("0") if DIGIT.fullmatch(c) else ord(c.lower()) if TOKEN_ASCII.fullmatch(c) else _BLANK)
# TOKEN_TABLE keeping line breaks: the lines of a document mapped at once.
TOKEN_TABLE_LINES = TOKEN_TABLE[:10] + b"\n" + TOKEN_TABLE[11:]
# Letters of WORD_ASCII lower-cased, its apostrophe kept, anything else a blank.
WORD_TABLE = _table(lambda c: ord(c.lower()) if WORD_ASCII.fullmatch(c) else ord(c) if c == "'" else _BLANK)
# An apostrophe the blank-separated runs of WORD_TABLE get wrong: not between
# two letters, or a second one in the same run ("rock'n'roll").
ODD_APOSTROPHE = re.compile(r"'(?:(?<![a-z]')|(?![a-z])|[a-z]+')")
ODD_APOSTROPHE_BYTES = re.compile(ODD_APOSTROPHE.pattern.encode("ascii"))  # the same, in the bytes of WORD_TABLE
WORD_ASCII_BYTES = re.compile(WORD_ASCII.pattern.encode("ascii"))  # WORD_ASCII in the bytes of WORD_TABLE
ASCII_STOPWORDS = frozenset(w.encode("ascii") for w in STOPWORDS)  # (every stop word is ASCII)
# Typographic characters standing in the way of the ASCII tables, with an
# ASCII stand-in of the same kind for every signal: not a word character, a
# letter or a digit, uncased, and a space only for a space (so the tokens,
# words, split() and capitals stay the same); the curly apostrophe becomes
# the straight one, which words() turns it into anyway.
ASCII_STANDINS = (("’", "'"), ("‘", "#"), ("“", "#"), ("”", "#"), ("—", "#"), ("–", "#"), ("…", "#"),
                  ("\xa0", " "), ("\ufffd", "#"))
# For str.split() word counts and capitals: blanks where str.isspace() is
# true, "U" for an upper-case letter, "l" for a lower-case one, else "x".
SHAPE_TABLE = _table(lambda c: _BLANK if c.isspace() else ord("U") if c.isascii() and c.isupper()
                     else ord("l") if c.isascii() and c.islower() else ord("x"))
# For the word count alone: blanks where str.isspace() is true, "w" for any
# other byte (a word starts at each "w" after a blank or at the start).
BLANK_TABLE = bytes(_BLANK if b == _BLANK else ord("w") for b in SHAPE_TABLE)

# Characters that end a complete sentence once closers are stripped
# (":" too: "He said:" before a quote is prose).
SENTENCE_END = ".!?:。！？：;；"
CLOSERS = "\"'”’»)]）】"
ELLIPSES = ("...", "…", ". . .")

# Characters that mark a site's furniture rather than prose: a copyright sign,
# bullets and arrows used in menus and breadcrumbs.
FURNITURE = frozenset("©®™•›»«‹|")
ASCII_FURNITURE = "|"  # the only one an ASCII line can hold

# Shape measures read at most this many characters of a line (a paragraph is
# rarely longer; a longer line is judged by its start), so time stays linear
# with a small constant on megabyte-long lines.
SAMPLE_CHARS = 3000

# Line goodness (0 = furniture, 1 = prose) is built from these.
FULL_LENGTH_WORDS = 25  # a line this long counts as fully long
PROSE_DENSITY = 0.30  # stop-word density at which a line reads as prose
MIN_SENTENCE_WORDS = 3  # shorter "sentences" are labels ("Log in.")
SHORT_SENTENCE_FLOOR = 0.55  # a complete short sentence is at least this good
UNFINISHED_FACTOR = 0.8  # goodness of a long prose line without a sentence end
CAPITALISED_SHARE = 0.7  # share of capitalised words making a line a menu item or a headline
MIN_CAPITALISED_WORDS = 3

# How the body is found.
LINE_COST_WORDS = 4  # every line weighs (words + this) in the body search, so many short lines add up
MAX_GAP_LINES = 5  # a run of this many non-prose lines separates two clusters of prose
TITLE_ECHO_COVERAGE = 0.6  # share of the title's words a line must hold to echo the title
SUBSTANTIAL_RUN = 0.25  # below the title's echo, the first run ranking this share of the best is the body
MIN_CUT_LINES = 3  # fewer lines before (or after) the body are left in place
REPEATED_IN_PAGE = 0.3  # goodness of a line printed twice in the page is multiplied by this
REPEATED_IN_CORPUS = 0.2  # ... of a line recurring across documents of the corpus
FURNITURE_FACTOR = 0.3  # ... of a line with a copyright sign, bullets or separators
MAX_JOIN_GAP_LINES = 8  # a neighbouring run on the body's topic joins it across at most this many lines
ON_TOPIC_COSINE = 0.15  # TF-IDF cosine with the body a run across the longest gap needs (less across a shorter one)
