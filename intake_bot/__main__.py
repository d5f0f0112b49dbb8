"""`python -m intake_bot` runs the same command line as `intake-bot`."""

from __future__ import annotations

import sys

from intake_bot.cli import main

sys.exit(main())
