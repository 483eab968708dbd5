"""A throw-away virtual machine with a real V4L2 camera, for the agent's device tests.

Containers and CI machines have no ``/dev/video*`` and cannot load kernel modules, so
the test boots Debian's own kernel under QEMU, loads the kernel's ``vivid`` driver (the
V4L2 test driver: a webcam emulated in the kernel, with test patterns) and runs a
Python script of the host's in the guest against ``/dev/video0``.

* The guest sees the host's whole file system read-only over 9p, so it runs the
  host's own Python, virtual environment and checkout; one host folder (``outdir``)
  is shared writable for results.
* The initramfs is built here in Python (a ``newc`` cpio with the static busybox and
  the needed modules, dependencies read from each module's ``.modinfo``), so neither
  ``kmod`` nor ``cpio`` is needed.
* QEMU uses software emulation (TCG): on these machines ``/dev/kvm`` cannot run a stock
  kernel at a usable speed.  A run takes 15 to 40 s.

What it needs (``make system-deps``): ``qemu-system-x86`` and ``busybox-static`` from
Debian, and Debian's kernel package unpacked in ``.cache/vm-kernel`` (``make
vm-kernel``; or ``PORCHLIGHT_VM_KERNEL`` naming such a folder).
"""

from __future__ import annotations

import gzip
import io
import lzma
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KERNEL_ENV = "PORCHLIGHT_VM_KERNEL"
DEFAULT_KERNEL_TREE = ROOT / ".cache" / "vm-kernel"
QEMU = "qemu-system-x86_64"
BUSYBOX = Path("/bin/busybox")
#: Modules the guest loads (their dependencies come along): PCI virtio, 9p, vivid.
MODULES = ("virtio_pci", "9pnet_virtio", "9p", "vivid")
#: One capture device whose inputs are webcams.
VIVID_OPTIONS = "n_devs=1 node_types=0x1 input_types=0x0"

INIT = r"""#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
while read -r name; do
  options=""; [ "$name" = vivid ] && options="$(cat /vivid.options)"
  insmod "/modules/$name.ko" $options || echo "PORCHLIGHT-VM: cannot load $name"
done < /modules.order
mkdir -p /host
share="trans=virtio,version=9p2000.L,msize=512000"
mount -t 9p -o "$share,ro,cache=loose" hostroot /host \
  || { echo "PORCHLIGHT-VM: cannot mount the host"; poweroff -f; }
mount -t 9p -o "$share" outshare "/host$vm_out" \
  || { echo "PORCHLIGHT-VM: cannot mount the output folder"; poweroff -f; }
mount --move /dev /host/dev
umount /proc /sys
exec switch_root /host /bin/sh -c '
  export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
  export HOME=/root PYTHONDONTWRITEBYTECODE=1
  mount -t proc proc /proc; mount -t sysfs sysfs /sys
  mount -t tmpfs tmpfs /run; mount -t tmpfs tmpfs /dev/shm
  cd "$vm_out"
  "$vm_python" "$vm_script" "$vm_out" > "$vm_out/guest.log" 2>&1
  echo $? > "$vm_out/guest.rc"
  sync; echo o > /proc/sysrq-trigger; sleep 5'
"""


@dataclass(frozen=True)
class GuestRun:
    """How a guest run ended: the script's exit status (None: it never finished)."""

    returncode: int | None
    seconds: float
    console: str
    log: str


def kernel_tree() -> Path:
    """The unpacked Debian kernel package the guest boots."""
    return Path(os.environ.get(KERNEL_ENV) or DEFAULT_KERNEL_TREE)


def missing() -> str | None:
    """Why a guest cannot be started here, or None when it can."""
    if shutil.which(QEMU) is None:
        return f"{QEMU} is not installed (Debian's qemu-system-x86)"
    if not BUSYBOX.is_file():
        return "the static busybox is not installed (Debian's busybox-static)"
    try:
        _kernel_version(kernel_tree())
    except FileNotFoundError:
        return f"no unpacked kernel package in {kernel_tree()} (run 'make vm-kernel')"
    return None


def run_guest(script: Path, outdir: Path, *, timeout: float = 180.0) -> GuestRun:
    """Boot a guest with vivid loaded and run ``python script outdir`` in it."""
    outdir = outdir.resolve()
    outdir.mkdir(parents=True, exist_ok=True)
    script = script.resolve()
    python = Path(sys.executable)
    for path in (outdir, script, python):
        if re.search(r"\s", str(path)):  # the paths travel on the kernel command line
            raise ValueError(f"a path for the guest contains whitespace: {path}")
    tree = kernel_tree()
    version = _kernel_version(tree)
    initrd = outdir / "initramfs.cpio.gz"
    initrd.write_bytes(build_initramfs(tree, version))
    command = [
        QEMU,
        *("-accel", "tcg", "-cpu", "max", "-m", "1024", "-smp", "1"),
        *("-nographic", "-nodefaults", "-no-reboot", "-monitor", "none", "-serial", "stdio"),
        *("-kernel", str(tree / "boot" / f"vmlinuz-{version}"), "-initrd", str(initrd)),
        *("-fsdev", "local,id=host,path=/,security_model=none,readonly=on,multidevs=remap"),
        *("-device", "virtio-9p-pci,fsdev=host,mount_tag=hostroot"),
        *("-fsdev", f"local,id=out,path={outdir},security_model=none"),
        *("-device", "virtio-9p-pci,fsdev=out,mount_tag=outshare"),
        "-append",
        f"console=ttyS0 quiet panic=-1 vm_out={outdir} vm_python={python} vm_script={script}",
    ]
    started = time.monotonic()
    done = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout)
    console = done.stdout.decode(errors="replace") + done.stderr.decode(errors="replace")
    status = outdir / "guest.rc"
    log = outdir / "guest.log"
    return GuestRun(
        returncode=int(status.read_text()) if status.exists() else None,
        seconds=time.monotonic() - started,
        console=console,
        log=log.read_text(errors="replace") if log.exists() else "",
    )


def build_initramfs(tree: Path, version: str) -> bytes:
    """A gzipped ``newc`` cpio: busybox, the init script and the modules in load order."""
    order, modules = _modules(tree / "lib" / "modules" / version / "kernel", MODULES)
    entries: list[tuple[str, int, bytes, int, int]] = [
        (folder, 0o040755, b"", 0, 0) for folder in ("bin", "dev", "proc", "sys", "modules")
    ]
    entries += [
        ("dev/console", 0o020600, b"", 5, 1),
        ("bin/busybox", 0o100755, BUSYBOX.read_bytes(), 0, 0),
        ("init", 0o100755, INIT.encode(), 0, 0),
        ("vivid.options", 0o100644, VIVID_OPTIONS.encode(), 0, 0),
        ("modules.order", 0o100644, "".join(f"{name}\n" for name in order).encode(), 0, 0),
    ]
    entries += [(f"modules/{name}.ko", 0o100644, modules[name], 0, 0) for name in order]
    return gzip.compress(_cpio(entries), compresslevel=1)


def _kernel_version(tree: Path) -> str:
    folder = tree / "lib" / "modules"
    versions = sorted(
        (v for v in os.listdir(folder) if (tree / "boot" / f"vmlinuz-{v}").is_file()),
        key=lambda v: [int(p) if p.isdigit() else 0 for p in re.split(r"[.-]", v)],
    )
    if not versions:
        raise FileNotFoundError(f"no kernel with modules in {tree}")
    return versions[-1]


def _modules(folder: Path, wanted: tuple[str, ...]) -> tuple[list[str], dict[str, bytes]]:
    """The wanted modules and their dependencies, each after what it depends on."""
    found = {_module_name(p.name): p for p in folder.rglob("*.ko*")}
    order: list[str] = []
    loaded: dict[str, bytes] = {}

    def visit(name: str) -> None:
        name = name.replace("-", "_")
        if name in loaded:
            return
        data = _read_module(found[name])
        loaded[name] = data
        depends = re.search(rb"(?:^|\0)depends=([^\0]*)\0", data)
        for dependency in depends.group(1).decode().split(",") if depends else []:
            if dependency:
                visit(dependency)
        order.append(name)

    for name in wanted:
        visit(name)
    return order, loaded


def _module_name(filename: str) -> str:
    return re.sub(r"\.ko(\.xz|\.gz|\.zst)?$", "", filename).replace("-", "_")


def _read_module(path: Path) -> bytes:
    data = path.read_bytes()
    if path.name.endswith(".xz"):
        return lzma.decompress(data)
    if path.name.endswith(".gz"):
        return gzip.decompress(data)
    if path.name.endswith(".zst"):
        unpack = subprocess.run(["zstd", "-dc", str(path)], capture_output=True, check=True)
        return unpack.stdout
    return data


def _cpio(entries: list[tuple[str, int, bytes, int, int]]) -> bytes:
    """``newc`` archive of (name, mode, data, device major, device minor) entries."""
    out = io.BytesIO()
    for inode, (name, mode, data, major, minor) in enumerate(
        [*entries, ("TRAILER!!!", 0, b"", 0, 0)], start=1
    ):
        encoded = name.encode() + b"\0"
        fields = (inode, mode, 0, 0, 1, 0, len(data), 0, 0, major, minor, len(encoded), 0)
        out.write(b"070701" + "".join(f"{v:08X}" for v in fields).encode() + encoded)
        out.write(b"\0" * (-(110 + len(encoded)) % 4))
        out.write(data)
        out.write(b"\0" * (-len(data) % 4))
    return out.getvalue()
