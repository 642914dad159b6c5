#!/usr/bin/env bash
# Build and install phase1-supervise, then run one example: a Python one-liner
# under the `python` runtime (no network, no subprocesses, read-only cwd).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo install --locked --quiet --path . --root "${PHASE1_PREFIX:-$HOME/.local}"
bin="${PHASE1_PREFIX:-$HOME/.local}/bin/phase1-supervise"
echo "installed: $bin" >&2
cd "${TMPDIR:-/tmp}"
exec "$bin" run --runtime python -- python3 -c 'import os, socket
print("hello from", os.uname().nodename, "as uid", os.getuid())
try:
    socket.create_connection(("127.0.0.1", 80), timeout=1)
except OSError as e:
    print("network:", e)
try:
    os.fork()
except OSError as e:
    print("fork:", e)'
