"""Defaults shared by the Python API and the command line, stated once.

A plain module with no imports, so the command line can show them in `--help` without loading
the stages that use them.
"""

from pathlib import Path

CATALOGUE = Path("data/links.csv")
"""The catalogue file."""
METADATA = Path("data/metadata")
"""The folder of the metadata stores."""
MAX_AGE_DAYS = 30.0
"""A record older than this is fetched again by `refresh`."""
LOCK_WAIT = 60.0
"""Seconds `refresh` waits for another command's lock on the catalogue."""
TIMEOUT = 30.0
"""Seconds for one whole HTTP response."""
MAX_BYTES = 50_000_000
"""Largest HTTP response read."""
STYLES = ("arxiv", "scholar")
"""BibTeX styles for preprints; the first is the default."""
DIALECTS = ("bibtex", "biblatex")
"""BibTeX dialects; the first is the default."""
FORMATS = ("bib", "md")
"""What `build` writes."""
JOURNAL_SUFFIX = ".journal"
"""A metadata store's journal of appended batches is the store's file name with this added."""
