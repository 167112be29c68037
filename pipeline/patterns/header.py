"""What the header stage recognises: title segments, header lines, bylines,
author blocks and source lines. Line patterns are matched against one whole,
stripped line (``fullmatch``), so prose that merely mentions a label is left alone.
"""

from __future__ import annotations

import re

# Separators match no surrounding spaces (the stage strips the parts): a
# "\s*" on both sides of a split pattern is quadratic on long runs of spaces.

# --- title -----------------------------------------------------------------
# "Viewpoint | Headline | Community": the segment with most words is the title,
# the others are tags, but only when every other segment is short enough to be
# a label; otherwise the title is kept whole.
TITLE_SEPARATOR = re.compile(r"\|")
TAG_MAX_WORDS = 5

# --- the header zone -------------------------------------------------------
# Header lines are looked for only in the first lines after the title (and a
# subtitle); the first line that is none of them ends the zone.
HEADER_ZONE_MAX_LINES = 4

# "Issuing time:2019-01-21 00:00", "Release time:Apr 16, 2024 21:12 PM",
# "Published: 5 March 2021". The value must be a date and nothing else.
DATE_LABELS = (
    "issuing time", "release time", "publish time", "publishing time",
    "publication date", "date published", "first published", "originally published",
    "published on", "published at", "published", "pub date", "date",
    "posted on", "posted at", "posted", "created",
    "last updated", "updated on", "updated at", "updated", "date updated",
    "last modified", "modified", "time",
)
# Dates under these labels are used only when no other date is in the header.
LATER_DATE_LABELS = ("last updated", "updated on", "updated at", "updated", "date updated",
                     "last modified", "modified")
LABELLED_DATE = re.compile(
    r"(?P<label>" + "|".join(sorted(DATE_LABELS, key=len, reverse=True)) + r")"
    r"\s*[:：]?\s*(?:(?:on|at)\s+)?(?P<value>\S.*)", re.IGNORECASE)

# A line that is only a date: numeric shapes only. A bare written-out date at
# the top of a page ("Wed, Nov 20, 2019") is as often the site's "today" as the
# article's date, so it is not read.
BARE_DATE_SHAPES = ("ymd", "dmy_dotted")

# "Author:Emergency Management Departmen Time:2022.09.06"
# (names are stripped by the stage: one bounded run here keeps matching linear)
AUTHOR_WITH_TIME = re.compile(
    r"authors?\s*[:：](?P<names>[^:：]{1,80}?)(?<=\s)time\s*[:：]\s*(?P<value>\S.*)",
    re.IGNORECASE)

# "By DANICA KIRKA and JILL LAWLESS", "By Carrie Arnold", "Written by Jane Doe"
BYLINE = re.compile(r"(?:(?:written|words|story|text|reported|posted)\s+)?by\s+(?P<names>\S.*)",
                    re.IGNORECASE)
NAME_LIST_SEPARATOR = re.compile(r",|;|\s(?:and|&)\s")
# "By Sherif Saed, Wednesday, 20 November 2019 08:05 GMT", "By Jane Doe on
# March 5, 2021": where a byline's names may end and its date begin. The part
# after it must be a whole date (pipeline.patterns.dates.read_header_date).
BYLINE_DATE_SEPARATOR = re.compile(r",|\s(?:on|at)\s|\s[|·•–—-]\s")

# "By Jane Doe | Published: March 5, 2021 | Updated: March 6, 2021": one
# header line made of segments, each of them a header line on its own. A
# written-out date with no label is read in such a line only next to a byline
# (alone at the top of a page it may be the site's "today").
SEGMENT_SEPARATOR = re.compile(r"\s[|·•]\s|\s[–—-]\s")
MAX_SEGMENTS = 4
# Segments and a date after a byline are only looked for in lines this short:
# a header line is; a long line is prose, and splitting it at every comma costs.
COMPOSITE_MAX_CHARS = 200

# --- author blocks (anywhere) ------------------------------------------------
# "Author: Ye Benqian, Professor ...; Wang Sijie, graduate student ..."
# Each ';' item names one person before its first comma.
AUTHOR_BLOCK = re.compile(r"authors?\s*[:：]\s*(?P<items>\S.*)", re.IGNORECASE)
AUTHOR_ITEM_SEPARATOR = re.compile(";")
# "Authors: Jane Doe and John Roe": people within one item, before its role.
AUTHOR_ITEM_NAMES_SEPARATOR = re.compile(r"\s(?:and|&)\s")

# --- editor lines (anywhere) --------------------------------------------------
# "Editor: Jane Doe", "[Responsible editor: Wang Fang]", "Edited by Jane Doe and
# John Roe". Editors go to the ``editors`` field, never to ``authors``; a line
# whose value is not a list of names ("Editor: this story was corrected") stays.
EDITOR_LINE = re.compile(
    r"[\[(（【]?\s*(?:(?:responsible|executive|chief|managing|senior|copy|duty)\s+)?"
    r"editors?(?:\s+in\s+charge)?\s*[:：]\s*(?P<names>[^\[\]()（）【】:：]+?)\s*[\])）】]?",
    re.IGNORECASE)
EDITED_BY = re.compile(
    r"[\[(（【]?\s*(?:edited|editing)\s+by\s+(?P<names>[^\[\]()（）【】:：]+?)\.?\s*[\])）】]?",
    re.IGNORECASE)

# A personal name: one to four words of letters (with ' . -), each capitalised
# or a lower-case particle.
NAME = re.compile(r"[^\W\d_](?:[^\W\d_]|['.-])*(?: [^\W\d_](?:[^\W\d_]|['.-])*){0,3}")
NAME_PARTICLES = frozenset({"de", "da", "del", "der", "den", "di", "du", "van", "von",
                            "la", "le", "bin", "al", "dos", "ter"})

# Bylines that name an organisation, not a person, stay out of `authors`.
# Header fields are often cut to a fixed width ("Departmen", "Cente"), so the
# last word also counts when it is the start (5+ letters) of one of these.
ORGANISATION_WORDS = frozenset({
    "department", "office", "center", "centre", "bureau", "ministry", "committee",
    "agency", "institute", "commission", "administration", "council",
    "association", "network", "news", "press", "editorial", "group", "team",
    "staff", "desk", "newsroom", "reporters", "correspondents", "wire",
})
TRUNCATED_WORD_MIN = 5
# A role after a name ("By Jane Doe, Political Correspondent") is not a person
# either; matched as whole words only, so no surname is taken for a cut role.
ROLE_WORDS = frozenset({"correspondent", "reporter", "writer", "editor", "columnist",
                        "contributor", "photographer", "journalist"})

# --- source line (anywhere) -------------------------------------------------
# "Source: Guangming Online". Short, so prose after a "Source:" label stays.
SOURCE_LINE = re.compile(r"sources?\s*[:：]\s*(?P<value>\S.*)", re.IGNORECASE)
SOURCE_MAX_WORDS = 15

# Any line one of the four "anywhere" patterns above matches whole (their
# alternation, group names dropped): the stage tries them one by one only
# on such a line, not on every line of prose.
ANY_BODY_LINE = re.compile("|".join(
    "(?:" + re.sub(r"\(\?P<\w+>", "(?:", p.pattern) + ")"
    for p in (AUTHOR_BLOCK, EDITOR_LINE, EDITED_BY, SOURCE_LINE)), re.IGNORECASE)

# --- subtitle ---------------------------------------------------------------
# A standfirst right under the title: a short line with no final punctuation,
# followed by a real paragraph. Six words at least: shorter lines under a title
# are labels or page chrome ("Skip to main content"), not a summary.
SUBTITLE_MIN_WORDS = 6
SUBTITLE_MAX_WORDS = 25
SUBTITLE_MAX_CHARS = 180
PARAGRAPH_MIN_WORDS = 15
# How the subtitle and the paragraph under it must end: pipeline.patterns.punctuation.
