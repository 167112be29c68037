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
    "publication date", "published on", "published", "pub date", "date",
    "posted on", "posted", "last updated", "updated on", "updated", "time",
)
# Dates under these labels are used only when no other date is in the header.
LATER_DATE_LABELS = ("last updated", "updated on", "updated")
LABELLED_DATE = re.compile(
    r"(?P<label>" + "|".join(sorted(DATE_LABELS, key=len, reverse=True)) + r")"
    r"\s*[:：]?\s*(?P<value>\S.*)", re.IGNORECASE)

# A line that is only a date: numeric shapes only. A bare written-out date at
# the top of a page ("Wed, Nov 20, 2019") is as often the site's "today" as the
# article's date, so it is not read.
BARE_DATE_SHAPES = ("ymd", "dmy_dotted")

# "Author:Emergency Management Departmen Time:2022.09.06"
# (names are stripped by the stage: one bounded run here keeps matching linear)
AUTHOR_WITH_TIME = re.compile(
    r"authors?\s*[:：](?P<names>[^:：]{1,80}?)(?<=\s)time\s*[:：]\s*(?P<value>\S.*)",
    re.IGNORECASE)

# "By DANICA KIRKA and JILL LAWLESS", "By Carrie Arnold"
BYLINE = re.compile(r"by\s+(?P<names>\S.*)", re.IGNORECASE)
NAME_LIST_SEPARATOR = re.compile(r",|\s(?:and|&)\s")

# --- author blocks (anywhere) ------------------------------------------------
# "Author: Ye Benqian, Professor ...; Wang Sijie, graduate student ..."
# Each ';' item names one person before its first comma.
AUTHOR_BLOCK = re.compile(r"authors?\s*[:：]\s*(?P<items>\S.*)", re.IGNORECASE)
AUTHOR_ITEM_SEPARATOR = re.compile(";")

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

# --- source line (anywhere) -------------------------------------------------
# "Source: Guangming Online". Short, so prose after a "Source:" label stays.
SOURCE_LINE = re.compile(r"sources?\s*[:：]\s*(?P<value>\S.*)", re.IGNORECASE)
SOURCE_MAX_WORDS = 15

# --- subtitle ---------------------------------------------------------------
# A standfirst right under the title: a short line with no final punctuation,
# followed by a real paragraph. Six words at least: shorter lines under a title
# are labels or page chrome ("Skip to main content"), not a summary.
SUBTITLE_MIN_WORDS = 6
SUBTITLE_MAX_WORDS = 25
SUBTITLE_MAX_CHARS = 180
PARAGRAPH_MIN_WORDS = 15
# How the subtitle and the paragraph under it must end: pipeline.patterns.punctuation.
