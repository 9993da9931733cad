"""``python -m kmrepro.corpus generate|registry``: see kmrepro.corpus.cli."""

from kmrepro.corpus.cli import main

raise SystemExit(main())
