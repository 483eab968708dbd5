"""Public transparency reports, computed from the same events the log commits to.

Only events already in the log (those with an index below the latest checkpoint's
size) are counted, so that anyone can recount the figures from the log's entries.
The figures are generic: every event name is counted and every ``counts`` key is
summed, per agency and per jurisdiction; the headline figures below pick the event
names that the other features record.
"""

from __future__ import annotations

import base64
import csv
import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

from sqlalchemy import select
from sqlalchemy.orm import Session

from porchlight.accounts.models import Agency
from porchlight.authz import Action, Actor, require
from porchlight.db import utcnow
from porchlight.errors import NotFound
from porchlight.transparency.models import LogEvent
from porchlight.transparency.schemas import FigureOut, ReportOut, ScopeOut
from porchlight.transparency.service import current_checkpoint

REQUEST_CREATED = "agency:request:created"
"""The event whose cells make the request-density map."""


@dataclass(frozen=True)
class Figure:
    """A headline figure: events matching ``patterns``, or the sum of one of their counts."""

    key: str
    label: str
    patterns: tuple[str, ...]
    count_key: str | None = None


FIGURES = (
    Figure("requests", "Requests made", (REQUEST_CREATED,)),
    Figure("approved", "Requests approved by a supervisor", ("agency:request:approved",)),
    Figure("households_reached", "Households reached", ("*:request:*",), "households"),
    Figure("answers", "Answers from households", ("owner:request:answered",)),
    Figure("households_shared", "Households that shared", ("owner:request:shared",)),
    Figure("clips_shared", "Clips shared", ("owner:clip:shared",)),
    Figure("share_views", "Views of shared clips", ("agency:share:viewed",)),
    Figure("shares_expired", "Shares expired and destroyed", ("system:share:expired",)),
    Figure("extensions", "Share extensions", ("*:share:extended",)),
    Figure("legal_demands", "Legal demands", ("*:demand:received", "*:demand:created")),
    Figure("owners_notified", "Owners notified of a demand", ("*:demand:notified",)),
    Figure("emergency", "Emergency disclosures", ("*:emergency:*",)),
    Figure("moderation", "Moderation decisions", ("moderator:*:decided",)),
)


@dataclass
class Tally:
    """What one scope adds up to: events by name, count sums by event and key, cells."""

    events: Counter[str] = field(default_factory=Counter)
    counts: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    cells: Counter[str] = field(default_factory=Counter)

    def add(self, other: Tally) -> None:
        """Add another scope's figures to this one."""
        self.events.update(other.events)
        for event, sums in other.counts.items():
            self.counts[event].update(sums)
        self.cells.update(other.cells)

    def figure(self, figure: Figure) -> int:
        """The value of a headline figure in this scope."""
        total = 0
        for event in self.events:
            if any(fnmatchcase(event, pattern) for pattern in figure.patterns):
                if figure.count_key is None:
                    total += self.events[event]
                else:
                    total += self.counts.get(event, Counter())[figure.count_key]
        return total


def _tallies(db: Session, size: int) -> dict[str | None, Tally]:
    """Every logged event, added up per agency (``None``: events of no agency)."""
    tallies: dict[str | None, Tally] = defaultdict(Tally)
    stmt = select(LogEvent.event, LogEvent.agency_id, LogEvent.counts, LogEvent.cell).where(
        LogEvent.leaf_index < size
    )
    for event, agency_id, counts, cell in db.execute(stmt.execution_options(yield_per=5000)):
        tally = tallies[agency_id]
        tally.events[event] += 1
        if counts:
            tally.counts[event].update(counts)
        if cell and event == REQUEST_CREATED:
            tally.cells[cell] += 1
    return tallies


def _scope(
    kind: str, scope_id: str | None, name: str, jurisdiction: str | None, tally: Tally
) -> ScopeOut:
    return ScopeOut(
        scope=kind,
        id=scope_id,
        name=name,
        jurisdiction=jurisdiction,
        figures=[FigureOut(key=f.key, label=f.label, value=tally.figure(f)) for f in FIGURES],
        events=dict(sorted(tally.events.items())),
        counts={e: dict(sorted(c.items())) for e, c in sorted(tally.counts.items())},
        request_cells=dict(sorted(tally.cells.items())),
    )


def report(db: Session, actor: Actor) -> ReportOut:
    """The whole public report: totals, every agency, every jurisdiction, request cells."""
    require(actor, Action.TRANSPARENCY_READ)
    checkpoint = current_checkpoint(db)
    size = checkpoint.size if checkpoint is not None else 0
    tallies = _tallies(db, size)
    agencies = db.execute(
        select(Agency.id, Agency.name, Agency.jurisdiction).order_by(Agency.name)
    ).all()
    total, by_place = Tally(), defaultdict[str, Tally](Tally)
    for tally in tallies.values():
        total.add(tally)
    for agency_id, _name, place in agencies:
        by_place[place].add(tallies.get(agency_id, Tally()))
    return ReportOut(
        generated_at=utcnow(),
        log_size=size,
        log_root_hash=base64.b64encode(checkpoint.root).decode() if checkpoint else None,
        total=_scope("all", None, "All agencies", None, total),
        agencies=[
            _scope("agency", a_id, name, place, tallies.get(a_id, Tally()))
            for a_id, name, place in agencies
        ],
        jurisdictions=[
            _scope("jurisdiction", place, place, place, tally)
            for place, tally in sorted(by_place.items())
        ],
    )


def find_scope(scopes: list[ScopeOut], scope_id: str) -> ScopeOut:
    """The agency or jurisdiction with ``scope_id`` in a report, or 404."""
    for scope in scopes:
        if scope.id == scope_id:
            return scope
    raise NotFound("No such agency or jurisdiction in the transparency report.")


CSV_COLUMNS = ("scope", "id", "name", "jurisdiction", "event", "measure", "value")


def report_csv(data: ReportOut) -> str:
    """The report as CSV, one figure per row: events per name, then the sums of counts."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for scope in [data.total, *data.agencies, *data.jurisdictions]:
        base = [scope.scope, scope.id or "", _safe(scope.name), _safe(scope.jurisdiction or "")]
        for fig in scope.figures:
            writer.writerow([*base, "", fig.key, fig.value])
        for event, number in scope.events.items():
            writer.writerow([*base, event, "events", number])
        for event, sums in scope.counts.items():
            for key, value in sums.items():
                writer.writerow([*base, event, f"counts.{key}", value])
        for cell, number in scope.request_cells.items():
            writer.writerow([*base, REQUEST_CREATED, f"cell.{cell}", number])
    return buffer.getvalue()


def _safe(text: str) -> str:
    """Keep spreadsheet programs from running a name as a formula (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
