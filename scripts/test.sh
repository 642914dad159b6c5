#!/usr/bin/env bash
# Run every check: formatting, lints, unit tests and the integration tests that
# drive the real binary (as root and as the unprivileged user nobody).
# Needs root (cgroups, setpriv). Installs what it needs on a fresh Debian machine.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" != 0 ]; then
  echo "scripts/test.sh: the integration tests need root (pids cgroup, setpriv to nobody); run it as root" >&2
  exit 1
fi

need_apt=()
command -v setpriv >/dev/null || need_apt+=(util-linux)
command -v python3 >/dev/null || need_apt+=(python3)
[ -x /usr/bin/node ] || command -v node >/dev/null || need_apt+=(nodejs)
command -v unshare >/dev/null || need_apt+=(util-linux)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "scripts/test.sh: installing ${need_apt[*]}" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}"
fi
for c in rustfmt clippy; do
  rustup component list --installed 2>/dev/null | grep -q "^$c" || rustup component add "$c"
done

echo "== cargo fmt --check"
cargo fmt --check
echo "== cargo clippy --all-targets -- -D warnings"
cargo clippy --all-targets --locked -- -D warnings
echo "== cargo test"
cargo test --locked -- --test-threads 4
