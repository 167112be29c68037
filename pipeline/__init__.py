"""curate: a corpus-cleaning and curation pipeline.

Raw text files flow through small stages (decode, repair, header, boilerplate,
clutter, language, layout, records); each stage returns its edits as data, and a
run writes an immutable, schema-validated version of the corpus under clean/.
"""

__version__ = "0.1.0"
