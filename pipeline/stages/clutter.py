"""Stage clutter (placeholder: returns the document unchanged)."""

from pipeline.config import Config
from pipeline.document import Document

NAME = "clutter"


def apply(doc: Document, config: Config) -> Document:
    return doc
