"""Stage records (placeholder: returns the document unchanged)."""

from pipeline.config import Config
from pipeline.document import Document

NAME = "records"


def apply(doc: Document, config: Config) -> Document:
    return doc
