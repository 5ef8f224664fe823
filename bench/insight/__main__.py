"""`python -m bench.insight`: the insight-quality simulation (see run.py)."""

from bench.insight.run import main

raise SystemExit(main())
