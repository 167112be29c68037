"""The language stage's tables: script checks that correct langdetect where
its n-grams cannot decide, and the plain-English check that spares langdetect
where the text is plainly English (below).

Short Han-only text shares its n-grams with Korean and Japanese (both write
Han characters too); but Korean text always has Hangul and Japanese has kana.
"""

import re

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]")
KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff]")

# A detection of one of these is replaced by "zh" when the text has Han
# characters and none of the script the language would need.
NEEDS_SCRIPT = {"ko": HANGUL, "ja": KANA}

# --- Rule language.plain_english/v1: a cheap check that decides "en" without
# langdetect (about 2 ms a document), only when the evidence is overwhelming
# (pipeline.stages.language.plainly_english). It never decides anything else:
# whatever it does not accept (other languages, mixed, short, unclear) goes to
# langdetect. It reads the same bounded sample langdetect would.
#
# Why these signals: English prose is about a third function words (on the
# bench corpus and the dev set no English document has under 27% of the words
# below; the median is 38%), they are spread through every sentence, and its
# letters are ASCII. Foreign text has none of the English-only words; a
# foreign sentence or paragraph inside English text is a stretch without them;
# a mix with Chinese, Cyrillic or accented text has non-ASCII letters; code
# and links have symbols (= / _ ( ...); link spam, name lists and headlines
# have few function words. tests/test_language checks that langdetect reads
# every text the check accepts as English.
PLAIN_ENGLISH_RULE = "language.plain_english/v1"
# The language_confidence written when the check decides: an estimate, not a
# measurement (langdetect is not run). It is the probability langdetect gives
# every text the check accepts on the dev set (tests/test_language.py) and the
# bench corpus: 1.0 once rounded to 4 places, i.e. all of langdetect's trials
# converge on English. On made-up mixtures (an English sentence run into a
# foreign one without a full stop) langdetect can be less sure while still
# reading English: 8 of 2,281 generated texts the check accepted (out of
# 12,000 made like test_language's), at worst 0.7143.
PLAIN_ENGLISH_CONFIDENCE = 1.0

WORD = re.compile(r"[^\W\d_]+")  # a run of letters (any script)
ASCII_WORD = re.compile(r"[A-Za-z]+")  # WORD in ASCII text, twice as fast
NON_ASCII_LETTER = re.compile(r"[^\W\d_A-Za-z]")
# Characters of code, markup and links, rare in prose.
CODE_SYMBOL = re.compile(r"[=<>{}\[\]_\\/|#*+~^@$%&()]")
# Where a sentence or a line ends: the check looks at each such segment.
SEGMENT_BREAK = re.compile(r"[.!?;:\n()\[\]\"|]+")

# The same segments and words, found by str methods (C) instead of a regex
# per segment: an ASCII text translated by ASCII_SEGMENTS has its letters
# lowered, each SEGMENT_BREAK character a line break and every other
# character a space, so its segments are its lines and their words are split
# at spaces.
ASCII_SEGMENTS = str.maketrans({
    chr(c): chr(c).lower() if chr(c).isalpha() else "\n" if SEGMENT_BREAK.match(chr(c)) else " "
    for c in range(128)
})
# Characters outside ASCII, frequent in English text, that are neither letters
# nor segment breaks: they part words as a space does, so a text made ASCII
# by turning them into spaces is read the fast way, with the same words.
WORD_BREAKERS = "\u2014\u2013\u201c\u201d\u2018\u2019\u2026\u2022\u00b7\u00ab\u00bb\u00a0\ufffd"
# Each byte that is not a CODE_SYMBOL (a text's CODE_SYMBOLs are the bytes
# left of its UTF-8 encoding once these are deleted: all are ASCII).
NOT_CODE_SYMBOL_BYTES = bytes(b for b in range(256) if not CODE_SYMBOL.match(chr(b)))
# Each byte that is not an ASCII letter (the letters of an ASCII text are the
# bytes left once these are deleted).
NOT_ASCII_LETTER_BYTES = bytes(b for b in range(256) if not (b < 128 and WORD.match(chr(b))))

# Frequent English function words that are not frequent words of any other
# language langdetect knows in Latin script (so no "a", "in", "is", "of", "to",
# "on", "at", "for", "was", "have", "over": see ENGLISH_SHARED).
ENGLISH_ONLY = frozenset("""
    the and that with this from has not which they their were been would said
    you your his she its there what when who about than into after these those
    should could our them because between other some only such it one out up if
    but how where while then just very any each many much did does being
""".split())

# Frequent English words that are also frequent words of other languages
# (of: nl; to: pl cs sk; in: de nl it; a: es fr it pt hu; is: nl hu; was: de nl;
# for: da no; on: fr fi et; as: pt; at: da no tl; by: da no sv; he: es fi;
# are: ro; have: da; had: nl; her: da no; will, also, so, an: de; over: nl;
# all: sv; no, do, me: es it pt; my, we, i: pl cs). They count towards the
# function-word share, never as evidence for English on their own.
ENGLISH_SHARED = frozenset("""
    of to in a is was for on as at by be he or an we are will her have had all
    can over also so no do me my i us
""".split())

# Frequent function words of other Latin-script languages that English prose
# does not use: not "de", "la", "el", "los", "las", "del", "das", "un", "est",
# "per", "die", "den", "van", "com", "non", "mit", "con", "sa", "til", which
# English writes in names, acronyms and phrases (Los Angeles, EST, the UN, per
# cent), nor "ve", "re", "ll" (the regex splits "I've"). "en" (nl, fr, es, sv,
# da) is one: English writes it only in "en route", "en masse", which at worst
# send a text to langdetect.
FOREIGN_FUNCTION_WORDS = frozenset("""
    le les des que qui dans pour sur avec une sont
    por una como pero fue está
    und der ist nicht sich auch ein eine zu von dem wird auf
    het een zijn niet ook voor wordt en
    och att det är för inte som
    og ikke
    il della che sono anche più nel gli
    não uma
    yang dengan untuk ini dari dalam tidak adalah akan pada
    ang mga ng
    ja ei ovat jest nie się je şi bir bu ile için và của là có không
    na kwa
""".split())
# No word is in two of ENGLISH_ONLY, ENGLISH_SHARED, FOREIGN_FUNCTION_WORDS:
# english_evidence counts the shared words by difference (tests/test_language).

# The thresholds, against what English documents show (bench corpus 2000;
# the dev set where it differs): at least 48 words (79), 27% function words,
# 13% English-only words (11%), 3 distinct ones (5); at most 0.4% foreign
# function words (1.7%), no non-ASCII letters (0.1%), 0.6% symbols (1.6%),
# and 99% of them have at most 6% of their words in unvouched segments (below)
# and none longer than 8 words: headlines, captions, names. About 99.5% of
# the bench documents are decided here.
MIN_WORDS = 30  # shorter texts go to langdetect
MIN_FUNCTION_SHARE = 0.25  # ENGLISH_ONLY + ENGLISH_SHARED among the words
MIN_ONLY_SHARE = 0.10  # ENGLISH_ONLY among the words
MIN_DISTINCT_ONLY = 6  # distinct ENGLISH_ONLY words: not one word repeated
MAX_FOREIGN_SHARE = 0.02  # FOREIGN_FUNCTION_WORDS among the words
MAX_NON_ASCII_SHARE = 0.01  # non-ASCII letters among the letters
MAX_SYMBOL_SHARE = 0.025  # CODE_SYMBOL among the characters other than spaces
# A segment of at least SEGMENT_MIN_WORDS words is vouched for when it holds
# no foreign function word and an ENGLISH_ONLY word, or two distinct
# ENGLISH_SHARED words (Polish writes "i" twice in a sentence); the words of
# the others must be few, and none of them long (a foreign sentence). A
# foreign word unvouches even a segment with English words: a foreign
# sentence run into an English fragment without a full stop ("... about Todos
# los seres humanos nacen libres ...") is one segment.
SEGMENT_MIN_WORDS = 4
MAX_UNVOUCHED_SHARE = 0.10
MAX_UNVOUCHED_SEGMENT = 12
