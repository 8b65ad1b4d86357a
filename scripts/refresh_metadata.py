#!/usr/bin/env python3
"""Refresh arXiv metadata for the catalogue: the same as `paperindex refresh`, for cron or CI.

    # crontab: every night at 03:17, polite to arXiv, logs to a file
    17 3 * * *  cd ~/notes && .venv/bin/python scripts/refresh_metadata.py >>refresh.log 2>&1

All options are `paperindex refresh`'s (see --help). Exit status 1 when any paper failed.
"""

from __future__ import annotations

import sys

from paperindex.cli import main

if __name__ == "__main__":
    sys.exit(main(["refresh", *sys.argv[1:]]))
