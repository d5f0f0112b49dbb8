"""Type aliases shared across modules (labels of SPEC §1 and rule choices of RULES.md)."""

from __future__ import annotations

from typing import Literal

# RULES D-5: how the two further months of an extension are counted.
ExtensionMode = Literal["chained", "r_plus_3"]
# RULES D-10: the two reasons a pause of the clock may be credited.
PauseReason = Literal["identity", "access_scope"]
Environment = Literal["development", "production"]
