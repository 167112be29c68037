"""`python -m pipeline` is the same as the `curate` command."""

from pipeline.cli import entry

entry()
