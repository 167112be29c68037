"""curate: a corpus-cleaning and curation pipeline.

Raw text files flow through small stages (decode, repair, header, boilerplate,
clutter, language, layout, records); each stage returns its edits as data, and a
run writes an immutable, schema-validated version of the corpus under clean/.
"""

import os

__version__ = "0.1.0"

# numpy's OpenBLAS starts a pool of threads (one per core) when it loads, and
# they spin a while: ~50 ms of CPU, and numpy's import ~36 -> ~70 ms on a busy
# machine. Nothing here uses BLAS (no matrix products; the parallelism is the
# worker processes), so one thread: set before anything imports numpy. A
# value the user set stands.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
