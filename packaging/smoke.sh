#!/usr/bin/env bash
# Smoke test of a frozen studio executable: bash packaging/smoke.sh PATH/TO/studio
# Each check prints one line; the first failure stops it (exit 1). Offscreen Qt, throw-away user folders.
set -euo pipefail
APP="$(realpath "$1")"
here="$(dirname "$APP")"
clip="$(find "$here" -path '*resources/demo/sky.mp4' | head -n 1)"
[ -n "$clip" ] || { echo "smoke: the bundle has no resources/demo/sky.mp4" >&2; exit 1; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
export QT_QPA_PLATFORM=offscreen XDG_CONFIG_HOME="$tmp/config"
export STUDIO_CACHE_DIR="$tmp/cache" STUDIO_STATE_DIR="$tmp/state" STUDIO_DATA_DIR="$tmp/data"
cd "$tmp"

step() { echo "smoke: $*"; }

step "version: $("$APP" --version)"

"$APP" probe "$clip" > probe.txt
grep -q "480x270" probe.txt || { cat probe.txt; echo "smoke: probe did not read the demo clip" >&2; exit 1; }
step "probe (a child process of the frozen app): ok"

echo "not a video" > bad.mp4
set +e
"$APP" probe bad.mp4 2> bad.err
code=$?
set -e
if [ "$code" != 2 ] || [ "$(wc -l < bad.err)" != 1 ] || grep -q crashed bad.err; then
    cat bad.err; echo "smoke: a bad file must be exit 2 and one line, got exit $code" >&2; exit 1
fi
step "a refused file: exit 2, one line: $(cat bad.err)"

"$APP" render --demo -o demo.mp4 --crossfade --preset ultrafast --no-progress > render.txt
test -s demo.mp4
step "render --demo: $(tail -n 1 render.txt)"

"$APP" render --clips "$clip" --duration 0.5 --size 160x90 --quality draft -o draft.mp4 --no-progress \
    > draft.txt
test -s draft.mp4
step "attention render (torch in the bundle): $(tail -n 1 draft.txt)"

"$APP" gui --smoke-import "$clip" > gui.txt 2> gui.err || { cat gui.err; exit 1; }
step "window offscreen: $(tail -n 1 gui.txt), closed"
step "all checks passed"
