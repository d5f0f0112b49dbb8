"""HTTP side of the service: routes, middleware and views."""

from __future__ import annotations
