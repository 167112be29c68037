"""`python -m pipeline` is the same as the `curate` command."""

from pipeline.launch import entry

entry()
