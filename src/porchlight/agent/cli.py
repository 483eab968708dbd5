"""``porchlight-agent``: run on the owner's hub, or analyse recorded files."""

from __future__ import annotations

import json
import logging
import sys
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from porchlight.agent.config import ConfigError, load_config
from porchlight.agent.runner import Agent, summary
from porchlight.video.errors import VideoError
from porchlight.video.pipeline import process_file

app = typer.Typer(
    help="Porchlight's camera agent: find events, mask, encrypt, upload.",
    no_args_is_help=True,
    add_completion=False,
)
out = Console()
err = Console(stderr=True)
VIDEO_SUFFIXES = {".mp4", ".mkv", ".mov", ".avi", ".ts", ".m4v", ".webm"}


@app.command()
def run(
    config: Annotated[Path, typer.Option(help="The agent's TOML configuration.")],
    once: Annotated[
        bool,
        typer.Option(
            help="Stop when every source has ended and all events are uploaded (for files)."
        ),
    ] = False,
) -> None:
    """Watch the configured cameras and upload events; waits out network outages."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        agent = Agent(load_config(config))
    except ConfigError as exc:
        err.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(2) from None
    try:
        agent.run(once=once)
    except KeyboardInterrupt:
        agent.stop.set()
    out.print(
        f"uploaded {agent.uploaded} events; {agent.rejected} refused; "
        f"{sum(1 for _ in agent.spool.pending())} waiting"
    )


def _files(paths: list[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.suffix.lower() in VIDEO_SUFFIXES)
        else:
            found.append(path)
    return found


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Video files or folders.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the events as JSON.")] = False,
    analysis_fps: Annotated[float, typer.Option(help="Frames a second analysed.")] = 5.0,
) -> None:
    """Find the events in recorded files, with a progress bar, and summarise them."""
    files = _files(paths)
    if not files:
        err.print("[bold red]error:[/] no video files found")
        raise typer.Exit(2)
    from porchlight.video.pipeline import PipelineConfig

    events: list[dict[str, Any]] = []
    failures = 0
    columns = (TextColumn("{task.description}"), BarColumn(), TimeRemainingColumn())
    with (
        tempfile.TemporaryDirectory() as tmp,
        Progress(*columns, console=err, transient=True) as progress,
    ):
        for path in files:
            task = progress.add_task(path.name, total=None)

            def advance(done: float, total: float | None, task: Any = task) -> None:
                progress.update(task, completed=done, total=total)

            try:
                found = process_file(
                    path,
                    Path(tmp),
                    progress=advance,
                    config=PipelineConfig(analysis_fps=analysis_fps, write_clips=False),
                )
            except VideoError as exc:
                err.print(f"[yellow]skipped[/] {path}: {exc}")
                failures += 1
                continue
            events += [{"file": str(path), **e.to_dict()} for e in found]
    if as_json:
        sys.stdout.write(
            json.dumps({"events": events, "summary": summary(events)}, indent=2) + "\n"
        )
    else:
        table = Table("file", "start s", "end s", "labels")
        for event in events:
            table.add_row(
                Path(event["file"]).name,
                f"{event['start']:.1f}",
                f"{event['end']:.1f}",
                ", ".join(event["labels"]) or "motion",
            )
        out.print(table)
        total = summary(events)
        out.print(
            f"{total['events']} events, {total['seconds']} s in all; labels: "
            f"{total['labels'] or 'none'}"
        )
    if failures == len(files):
        raise typer.Exit(1)


def main() -> None:
    """Entry point of the ``porchlight-agent`` console script."""
    app()
