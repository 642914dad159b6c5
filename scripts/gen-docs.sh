#!/usr/bin/env bash
# Regenerate the man pages and shell completions from the CLI definition.
# tests/runtimes.rs fails when the checked-in copies are out of date.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet --locked
bin=target/debug/phase1-supervise
rm -rf docs/man docs/completions
"$bin" man --dir docs/man
mkdir -p docs/completions
"$bin" completions bash > docs/completions/phase1-supervise.bash
"$bin" completions zsh > docs/completions/_phase1-supervise
"$bin" completions fish > docs/completions/phase1-supervise.fish
echo "wrote docs/man/ and docs/completions/"
