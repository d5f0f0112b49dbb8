"""Types shared across modules (labels of SPEC §1, rule choices of RULES.md, small state)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

# RULES D-5: how the two further months of an extension are counted.
ExtensionMode = Literal["chained", "r_plus_3"]
# RULES D-10: the two reasons a pause of the clock may be credited.
PauseReason = Literal["identity", "access_scope"]
Environment = Literal["development", "production"]


@dataclass
class BacklogState:
    """When the periodic watches (backlog, deadlines) look next; kept on the app."""

    next_check: datetime | None = None
    next_deadline_check: datetime | None = None  # followups.watch_deadlines
