"""What the log's JSON helpers, "My record" and the report downloads return.

Hashes are standard base64, as in checkpoints; salts and commitments are hex, as in
entries.  Every field can be checked with ``porchlight.ledger`` and the receipt alone.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class LogOut(BaseModel):
    """The log's latest signed checkpoint and its public key."""

    origin: str
    tree_size: int
    root_hash: str = Field(description="base64 of the SHA-256 Merkle tree hash")
    checkpoint: str = Field(description="the signed note, as served at /log/checkpoint")
    key: str = Field(description="the verifier key, as served at /log/key")


class EntryOut(BaseModel):
    """One log entry: its JSON and its exact bytes (base64) with their leaf hash."""

    index: int
    entry: dict[str, Any]
    entry_base64: str
    leaf_hash: str


class InclusionOut(BaseModel):
    """RFC 9162 inclusion proof of the entry at ``index`` in the tree of ``tree_size``."""

    index: int
    tree_size: int
    leaf_hash: str
    root_hash: str
    proof: list[str]


class ConsistencyOut(BaseModel):
    """RFC 9162 consistency proof from tree size ``first`` to tree size ``second``."""

    first: int
    second: int
    proof: list[str]


class ReceiptOut(BaseModel):
    """An event about your household and what proves it is in the public log.

    Check it: SHA-256(salt ‖ opening) is the entry's ``commitment``; the entry's leaf
    hash with ``inclusion`` leads to the root of ``checkpoint``, signed by /log/key.
    """

    event_id: str
    event: str
    household_id: str
    created_at: datetime
    status: str = Field(description="pending (not yet in the log) or logged")
    opening: str = Field(description="the whole event as committed, canonical JSON")
    salt: str = Field(description="your household's secret salt, hex")
    entry: str = Field(description="the public log entry, canonical JSON")
    leaf_index: int | None
    inclusion: InclusionOut | None
    checkpoint: str | None


class FigureOut(BaseModel):
    """A headline figure of a transparency report."""

    key: str
    label: str
    value: int


class ScopeOut(BaseModel):
    """Figures for the whole platform, one agency or one jurisdiction."""

    scope: str
    id: str | None
    name: str
    jurisdiction: str | None
    figures: list[FigureOut]
    events: dict[str, int]
    counts: dict[str, dict[str, int]]
    request_cells: dict[str, int] = Field(description="requests made per coarse H3 cell")


class ReportOut(BaseModel):
    """The public transparency report: totals, each agency, each jurisdiction, the map."""

    generated_at: datetime
    log_size: int
    log_root_hash: str | None
    total: ScopeOut
    agencies: list[ScopeOut]
    jurisdictions: list[ScopeOut]
