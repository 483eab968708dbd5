"""A test RTSP camera: GStreamer's RTSP server playing an H.264 MP4 in real time.

Run by Debian's own Python (``/usr/bin/python3``), which has the GObject bindings and
``gir1.2-gst-rtsp-server-1.0`` from ``make system-deps``; the tests start it as a
separate process so that killing it is a camera dropping off the network::

    /usr/bin/python3 tests/agent/rtsp_server.py PORT /mount video.mp4 h264|h265 [user:password]

It prints ``ready`` once it accepts connections.  With ``user:password`` it asks for
HTTP Basic authentication, as IP cameras do.
"""

from __future__ import annotations

import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

ROLE = "viewer"


def main(port: str, mount: str, video: str, codec: str, credentials: str = "") -> None:
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(port)
    factory = GstRtspServer.RTSPMediaFactory()
    # The recording is demuxed and packetised as it is (RFC 6184 for H.264, RFC 7798
    # for H.265), not re-encoded; parameter sets go with every keyframe, as cameras
    # send them.
    if codec not in ("h264", "h265"):
        sys.exit(f"unknown codec {codec!r}")
    factory.set_launch(
        f'( filesrc location="{video}" ! qtdemux ! {codec}parse '
        f"! rtp{codec}pay name=pay0 pt=96 config-interval=-1 )"
    )
    factory.set_shared(True)
    if credentials:
        user, password = credentials.split(":", 1)
        auth = GstRtspServer.RTSPAuth()
        token = GstRtspServer.RTSPToken()
        token.set_string("media.factory.role", ROLE)
        auth.add_basic(GstRtspServer.RTSPAuth.make_basic(user, password), token)
        server.set_auth(auth)
        permissions = GstRtspServer.RTSPPermissions()
        permissions.add_permission_for_role(ROLE, "media.factory.access", True)
        permissions.add_permission_for_role(ROLE, "media.factory.construct", True)
        factory.set_permissions(permissions)
    server.get_mount_points().add_factory(mount, factory)
    if server.attach(None) == 0:
        sys.exit(f"cannot listen on 127.0.0.1:{port}")
    print("ready", flush=True)
    GLib.MainLoop().run()


if __name__ == "__main__":
    main(*sys.argv[1:])
