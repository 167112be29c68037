"""Stage boilerplate (placeholder: returns the document unchanged)."""

from pipeline.config import Config
from pipeline.document import Document

NAME = "boilerplate"


def apply(doc: Document, config: Config) -> Document:
    return doc
