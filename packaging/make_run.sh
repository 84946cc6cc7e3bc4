#!/usr/bin/env bash
# Pack a one-folder bundle into a self-extracting Linux installer: bash packaging/make_run.sh BUNDLE OUT.run
#
# No appimagetool here (it is fetched from the network, which the build machines cannot reach), so the
# single file is a shell script with the bundle as a tar.gz appended: `sh OUT.run` installs into
# ~/.local (PREFIX=... for elsewhere): the app in share/AttentionVideoStudio, bin/studio, the desktop entry
# and its icon; `sh OUT.run --uninstall` removes them.
set -euo pipefail
BUNDLE="$(realpath "$1")"
OUT="$2"
root="$(cd "$(dirname "$0")/.." && pwd)"

stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
cp "$root/packaging/attention-video-studio.desktop" "$stage/"
cp "$root/resources/icon.png" "$stage/attention-video-studio.png"

cat > "$stage/header.sh" <<'HEADER'
#!/bin/sh
# Attention Video Studio: self-extracting installer (a shell script, then a tar.gz of the app).
set -e
PREFIX="${PREFIX:-$HOME/.local}"
APPDIR="$PREFIX/share/AttentionVideoStudio"
DESKTOP="$PREFIX/share/applications/attention-video-studio.desktop"
ICON="$PREFIX/share/icons/hicolor/256x256/apps/attention-video-studio.png"
if [ "${1:-}" = "--uninstall" ]; then
    rm -rf "$APPDIR" "$DESKTOP" "$ICON"
    [ -L "$PREFIX/bin/studio" ] && rm -f "$PREFIX/bin/studio"
    echo "removed Attention Video Studio from $PREFIX"
    exit 0
fi
start=$(awk '/^__PAYLOAD__$/ { print NR + 1; exit 0 }' "$0")
mkdir -p "$PREFIX/share" "$PREFIX/bin" "$(dirname "$DESKTOP")" "$(dirname "$ICON")"
rm -rf "$APPDIR.new"
mkdir -p "$APPDIR.new"
tail -n +"$start" "$0" | tar -xzf - -C "$APPDIR.new"
rm -rf "$APPDIR"
mv "$APPDIR.new" "$APPDIR"
ln -sf "$APPDIR/app/studio" "$PREFIX/bin/studio"
sed "s|^Exec=studio|Exec=$APPDIR/app/studio|" "$APPDIR/attention-video-studio.desktop" > "$DESKTOP"
cp "$APPDIR/attention-video-studio.png" "$ICON"
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database "$(dirname "$DESKTOP")" || true
echo "installed Attention Video Studio in $APPDIR; run: $PREFIX/bin/studio"
exit 0
__PAYLOAD__
HEADER

cp -a "$BUNDLE" "$stage/app"
tmp_out="$OUT.part"
cat "$stage/header.sh" > "$tmp_out"
tar -czf - -C "$stage" app attention-video-studio.desktop attention-video-studio.png >> "$tmp_out"
chmod +x "$tmp_out"
mv "$tmp_out" "$OUT"
echo "make_run.sh: wrote $OUT"
