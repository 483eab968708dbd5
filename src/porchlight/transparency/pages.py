"""Pages: the public transparency reports with their downloads, and "My record"."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from porchlight.transparency import charts, receipts, reports
from porchlight.transparency.schemas import ReportOut, ScopeOut
from porchlight.web.deps import DB, PAGE_USER, SIGNED_IN, PageUser
from porchlight.web.pages import render

router = APIRouter(include_in_schema=False)


def _scope_page(
    request: Request, visitor: PageUser, data: ReportOut, scope: ScopeOut, template: str
) -> Response:
    figures = [(f.label, f.value) for f in scope.figures]
    events = sorted(scope.events.items(), key=lambda item: (-item[1], item[0]))
    return render(
        request,
        template,
        visitor,
        report=data,
        scope=scope,
        figures_chart=charts.bar_chart(figures),
        events_chart=charts.bar_chart(events) if events else None,
        density=charts.density_map(scope.request_cells),
        key=request.app.state.transparency.vkey,
    )


@router.get("/transparency")
def overview(request: Request, visitor: PageUser = PAGE_USER, db: Session = DB) -> Response:
    data = reports.report(db, visitor.actor)
    return _scope_page(request, visitor, data, data.total, "transparency/index.html")


@router.get("/transparency/agencies/{agency_id}")
def agency(
    agency_id: str, request: Request, visitor: PageUser = PAGE_USER, db: Session = DB
) -> Response:
    data = reports.report(db, visitor.actor)
    scope = reports.find_scope(data.agencies, agency_id)
    return _scope_page(request, visitor, data, scope, "transparency/scope.html")


@router.get("/transparency/jurisdictions/{jurisdiction}")
def jurisdiction(
    jurisdiction: str, request: Request, visitor: PageUser = PAGE_USER, db: Session = DB
) -> Response:
    data = reports.report(db, visitor.actor)
    scope = reports.find_scope(data.jurisdictions, jurisdiction)
    return _scope_page(request, visitor, data, scope, "transparency/scope.html")


@router.get("/transparency.csv")
def report_csv(visitor: PageUser = PAGE_USER, db: Session = DB) -> Response:
    data = reports.report(db, visitor.actor)
    return Response(
        reports.report_csv(data),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="porchlight-transparency.csv"'},
    )


@router.get("/transparency.json")
def report_json(visitor: PageUser = PAGE_USER, db: Session = DB) -> Response:
    data = reports.report(db, visitor.actor)
    return Response(
        json.dumps(data.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n",
        media_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="porchlight-transparency.json"'},
    )


@router.get("/my-record")
def my_record(
    request: Request, cursor: str | None = None, visitor: PageUser = SIGNED_IN, db: Session = DB
) -> Response:
    page = receipts.my_record(db, visitor.actor, cursor, 50)
    items = [
        (receipt, json.dumps(receipts.receipt_out(receipt).model_dump(mode="json"), indent=2))
        for receipt in page.items
    ]
    return render(
        request, "transparency/my_record.html", visitor, items=items, next_cursor=page.next_cursor
    )
