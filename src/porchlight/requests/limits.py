"""The caps a deployment chooses for police requests (from settings)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RequestLimits:
    """Caps chosen at start-up (from settings)."""

    per_agency_week: int = 25
    per_cell_week: int = 3
    jurisdiction_max_days: int = 90
    default_share_days: int = 30
    answer_days: int = 7
