"""`python -m paperindex`."""

from .cli import main

raise SystemExit(main())
