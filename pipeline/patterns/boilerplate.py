"""Patterns of the boilerplate stage: photo credits, end markers, source,
funding, staff-credit and author-bio lines.

Every pattern is matched against ONE line, and the stage only tries the
caption and bio patterns on lines shorter than ``*_MAX_CHARS``, so run time
stays linear on pathological input (1 MB of ``|`` or dots). No pattern nests a
quantifier over characters the enclosing repetition could also consume:
names are ``Cap(?: Cap){0,n}`` with a literal space between the words.
"""

import re

# A capitalised name of up to six words ("Li Tao", "Xinhua News Agency").
_WORD = r"[A-Z][\w'&.-]*"
_NAME = rf"{_WORD}(?: {_WORD}){{0,5}}"
# Where a credit may start: the line start or right after a sentence end.
_LEAD = r"(?:^|(?<=[.!?\"')\]]) )"

CAPTION_MAX_CHARS = 400
# The credited name: up to 80 characters, dots allowed ("China.org.cn") but no
# sentence break (". "), so a credit never swallows a following sentence.
_CREDIT_TEXT = r"(?:[^.:：]|\.(?! )){2,80}"

# Credits that close a photo caption; each is anchored at the end of the line.
CAPTION_CREDITS = (
    # "... Picture source: CCTV News Client", "Photo credit: Reuters"
    re.compile(rf"{_LEAD}(?:Picture|Photo|Image|Photograph)s? (?:source|credit)s?\s?[:：]\s?{_CREDIT_TEXT}$",
               re.IGNORECASE),
    # "... Photo by Li Tao, a reporter from Xinhua News Agency"
    re.compile(rf"{_LEAD}(?:Photo|Picture|Image)s?(?:graphed)? by {_NAME}(?:, [^.]{{1,80}})?\.?$"),
    # "... Xinhua News Agency reporter Zhang Duo Zhang Duo"
    re.compile(rf"{_LEAD}{_NAME} (?:reporter|photographer|photojournalist|correspondent)s? {_NAME}$"),
    # "... Photo: Xinhua/Li Tao", "Image: Getty Images", "Credit: AP"
    re.compile(rf"{_LEAD}(?:Photo|Picture|Image|Credit)s?\s?[:：/] ?{_CREDIT_TEXT}$"),
    # "... (Photo/Xinhua)", "[Photo by Li Tao/China Daily]", "[Photo provided to X]"
    re.compile(r"[\[(](?:Photo|Picture|Image|Credit)s?(?:\s?[:：/]| by| provided to) ?[^()\[\]]{1,80}[\])]\s?$",
               re.IGNORECASE),
    # "... (Xinhua/Li Tao)": agency/photographer in brackets closing the line
    re.compile(rf"[\[(]{_NAME}/ ?{_NAME}[\])]\.?$"),
)

# Words one of the CAPTION_CREDITS needs (lowered): an ASCII line holding
# none of them is no caption, found without six regex searches. ("photo"
# covers photographer and photojournalist; the bracketed agency credit needs
# its "/".) Only for ASCII: under IGNORECASE "ı" and "İ" match "i" too.
CAPTION_CREDIT_WORDS = ("photo", "picture", "image", "credit", "reporter", "correspondent", "/")

# How every rule that is not bounded by length (source, funding, author bio)
# can start: a line longer than the bounded rules allow (caption, end marker,
# credit) that does not start so is no boilerplate, found in one match. Each
# alternative is a prefix of such a rule's match (IGNORECASE: a superset of the
# rules that are case-sensitive).
UNBOUNDED_START = re.compile(r"\s*[\[(（【]?\s?(?:Article |News |Content |Source|Fund|Foundation|Th|Supported|Sponsored"
                             r"|Financed|Author|About)", re.IGNORECASE)

# "- END -", "-END-", "[END]", "(End)", "— END —", "END", "ENDS".
END_MARKER = re.compile(r"^[-–—=*~_\[(（【\s]*(?:END|End|ENDS|Ends)[-–—=*~_\])）】\s]*$")
END_MARKER_MAX_CHARS = 40

# A whole line naming where the article came from: "Source: Guangming Online".
SOURCE_LINE = re.compile(r"^\s*[\[(（【]?(?:Article |News |Content )?Sources?\s?[:：]\s?\S")
SOURCE_MAX_WORDS = 25

# Research-funding notes of academic articles. A bracketed note mentioning a
# result of / funding by a project, or the unbracketed academic self-reference
# "This paper is the ... result of ... project" (news prose never says that of
# itself; "The study was funded by ..." in a news body must stay).
_PROJECT = r"(?:project|fund|grant|foundation|programme|program|plan|planning)"
FUNDING_BRACKETED = re.compile(
    rf"^\s*[\[(（【]\s?(?:(?:This|The) (?:paper|article|essay|research|work|study)\b.{{0,60}}?\b"
    rf"(?:results?|outcomes?|achievements?|funded|supported|sponsored|financed)\b"
    rf"|(?:Funded|Supported|Sponsored|Financed) by\b).{{0,400}}\b{_PROJECT}",
    re.IGNORECASE,
)
FUNDING_BRACKET_CLOSE = re.compile(r"[\])）】]\s*$")
FUNDING_PLAIN = re.compile(
    rf"^\s*This (?:paper|article|essay) (?:is|was) (?:an? |the )?(?:[a-z]+ ){{0,3}}(?:results?|outcomes?|achievements?)"
    rf" of\b.{{0,400}}\b{_PROJECT}\b",
    re.IGNORECASE,
)
FUNDING_LABEL = re.compile(r"^\s*[\[(（【]?(?:Fund(?:ing|ed)? (?:project|program|item)s?|Funding|Foundation item)\s?[:：]")

# Staff credits: "Xu Wei contributed to this story.", "Additional reporting by
# Li Tao", "Reporting by A; Editing by B", "(Editor: Wang Mo)".
CREDIT_MAX_CHARS = 200
CREDIT_LINES = (
    re.compile(rf"^\s*{_NAME}(?:(?:,| and) {_NAME}){{0,4}} contributed(?: reporting)? to this"
               rf" (?:story|report|article)\.?\s*$"),
    re.compile(rf"^\s*\(?(?:Additional [Rr]eporting|Reporting|Writing|Editing|Compiled|Translated|Edited) by {_NAME}"
               rf"(?:(?:,| and|;) [\w ]{{0,20}}? ?by {_NAME}){{0,3}}\.?\)?\s*$"),
    re.compile(r"^\s*[\[(（【]?(?:Responsible |Executive |Chief )?[Ee]ditors?(?: in charge)?\s?[:：]"
               r"\s?[^.:：]{1,60}[\])）】]?\s*$"),
)

# Author bios. "Author: NAME, role" (a header line "Author:X Time:..." has no
# comma and role, so it is left to the header stage) and "About the author".
AUTHOR_ROLES = (
    r"(?:professor|lecturer|researcher|research fellow|fellow|student|supervisor|director|dean|"
    r"scholar|editor|columnist|commentator|journalist|reporter|writer|analyst|doctoral|postdoctoral|"
    r"scientist|expert|chair|head|president|founder|partner|member)"
)
AUTHOR_LABEL = re.compile(rf"^\s*Authors?\s?[:：]\s?{_NAME}\s?[,，(（].{{0,600}}\b{AUTHOR_ROLES}",
                          re.IGNORECASE)
ABOUT_AUTHOR = re.compile(r"^\s*[\[(]?About the (?:authors?|writers?)\b", re.IGNORECASE)

# Only at the end of the text: "NAME is a professor at ...", "The author is a
# research fellow at ...". In the middle of an article the same sentence is body.
# Academic roles only: a closing "NAME is technology correspondent for ..." is
# part of a news article as published, and stays.
BIO_MAX_CHARS = 300
ACADEMIC_ROLES = (
    r"(?:professor|lecturer|researcher|research fellow|fellow|student|supervisor|dean|scholar|"
    r"doctoral candidate|postdoc|postdoctoral fellow)"
)
TRAILING_BIO = re.compile(
    rf"^\s*[\[(]?(?:The (?:author|writer)s? (?:is|are)|(?!(?:Mr|Mrs|Ms|Miss|He|She|It|They|This|That)\b){_NAME} is) "
    rf"(?:an? |the |also )?(?:[\w-]+ ){{0,5}}{ACADEMIC_ROLES}s?\b"
)

# Longer lines can only match the rules UNBOUNDED_START is for.
BOUNDED_MAX_CHARS = max(CAPTION_MAX_CHARS, END_MARKER_MAX_CHARS, CREDIT_MAX_CHARS)
