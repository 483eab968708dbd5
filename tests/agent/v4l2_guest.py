"""Runs inside the test virtual machine (see ``tests/vm.py``), where the kernel's
``vivid`` driver is a V4L2 capture device at ``/dev/video0``::

    python tests/agent/v4l2_guest.py OUTDIR

``OUTDIR/agent.json`` holds the agent's configuration (its spool is in ``OUTDIR``, with
the camera's settings already cached: the guest has no network) and how many seconds
to watch.  The script makes vivid's picture move, runs the real agent on the device
for that long, stops it as a user would, and writes ``OUTDIR/result.json``: the
device's formats and what the agent spooled.
"""

from __future__ import annotations

import ctypes
import fcntl
import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

# ioctl numbers from linux/videodev2.h: _IOWR('V', nr, size).
_IOC_READ_WRITE = 3


def _iowr(number: int, size: int) -> int:
    return (_IOC_READ_WRITE << 30) | (size << 16) | (ord("V") << 8) | number


class QueryControl(ctypes.Structure):
    _fields_ = [
        ("id", ctypes.c_uint32),
        ("type", ctypes.c_uint32),
        ("name", ctypes.c_char * 32),
        ("minimum", ctypes.c_int32),
        ("maximum", ctypes.c_int32),
        ("step", ctypes.c_int32),
        ("default_value", ctypes.c_int32),
        ("flags", ctypes.c_uint32),
        ("reserved", ctypes.c_uint32 * 2),
    ]


class Control(ctypes.Structure):
    _fields_ = [("id", ctypes.c_uint32), ("value", ctypes.c_int32)]


VIDIOC_S_CTRL = _iowr(28, ctypes.sizeof(Control))
VIDIOC_QUERYCTRL = _iowr(36, ctypes.sizeof(QueryControl))
NEXT_CONTROL = 0x80000000


def set_control(device: str, name: bytes, value: int) -> bool:
    """Set a V4L2 control by its name; False when the device has no such control."""
    fd = os.open(device, os.O_RDWR)
    try:
        query = QueryControl(id=NEXT_CONTROL)
        while True:
            try:
                fcntl.ioctl(fd, VIDIOC_QUERYCTRL, query)
            except OSError:
                return False
            if query.name == name:
                fcntl.ioctl(fd, VIDIOC_S_CTRL, Control(id=query.id, value=value))
                return True
            query = QueryControl(id=query.id | NEXT_CONTROL)
    finally:
        os.close(fd)


def main(outdir: Path) -> None:
    from porchlight.agent.config import AgentConfig
    from porchlight.agent.runner import Agent

    job: dict[str, Any] = json.loads((outdir / "agent.json").read_text())
    config = AgentConfig.model_validate(job["config"])
    camera = config.cameras[0]
    # vivid's colour bars scroll sideways: the "motion" the agent should record.
    moving = set_control(camera.device(), b"Horizontal Movement", job["movement"])
    agent = Agent(config)
    watcher = threading.Thread(target=agent.watch, args=(camera, False))
    started = time.monotonic()
    watcher.start()
    time.sleep(job["seconds"])
    agent.stop.set()
    watcher.join(timeout=120)
    events = [
        {
            "labels": event.labels,
            "seconds": (event.ended_at - event.started_at).total_seconds(),
            "parts": sorted(event.parts),
        }
        for event in agent.spool.pending()
    ]
    result = {
        "moving": moving,
        "watched_seconds": round(time.monotonic() - started, 1),
        "stopped": not watcher.is_alive(),
        "events": events,
    }
    (outdir / "result.json").write_text(json.dumps(result))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
