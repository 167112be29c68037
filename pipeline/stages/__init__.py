"""The stages, in pipeline order. Each module has ``NAME`` and a pure
``apply(doc, config) -> Document``; a stage never reads the disk or prints.

Why this order: header fields come off the top first; clutter runs before
boilerplate so it can still see end markers such as ``- END -``; language is
measured on the cleaned body; layout normalises blank lines once all removals
are done; records are split from the final text.
boundaries runs after header (the title it looks for in the page is known)
and before clutter: once the page's navigation, comments and footers are cut
off, clutter and boilerplate judge the article alone.
dedup runs after clutter and boilerplate: clutter reads duplicated lines as
a sign of trailing material, and a repeated caption or credit is better
removed under its own rule; dedup then keeps one copy of a repeated paragraph.
"""

from pipeline.stages import (
    boilerplate,
    boundaries,
    clutter,
    decode,
    dedup,
    header,
    language,
    layout,
    records,
    repair,
)

STAGES = (decode, repair, header, boundaries, clutter, boilerplate, dedup, language, layout, records)
