"""The stages, in pipeline order. Each module has ``NAME`` and a pure
``apply(doc, config) -> Document``; a stage never reads the disk or prints.

Why this order: header fields come off the top first; clutter runs before
boilerplate so it can still see end markers such as ``- END -``; language is
measured on the cleaned body; layout normalises blank lines once all removals
are done; records are split from the final text.
"""

from pipeline.stages import (
    boilerplate,
    clutter,
    decode,
    header,
    language,
    layout,
    records,
    repair,
)

STAGES = (decode, repair, header, clutter, boilerplate, language, layout, records)
