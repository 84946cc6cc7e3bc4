#!/usr/bin/env bash
# Build the Linux bundle and its single-file installer, and smoke-test the frozen app:
#
#     bash packaging/build.sh            # -> build/package/AttentionVideoStudio-<version>-linux-<arch>.run
#
# 1. PyInstaller one-folder bundle (packaging/studio.spec) in build/package/dist/AttentionVideoStudio/;
# 2. packaging/smoke.sh on the frozen executable: --version, `studio probe` (the frozen probe child), a
#    refused file in one line, `studio render --demo`, an attention render, the window offscreen (open,
#    import a clip, quit);
# 3. packaging/make_run.sh packs the bundle into a self-extracting .run installer, which is then installed
#    into a temporary prefix and run once.
#
# Minutes, not seconds (torch and Qt are analysed and copied): not part of the test suite; see README.md.
set -euo pipefail
cd "$(dirname "$0")/.."

OUT="${STUDIO_PACKAGE_DIR:-build/package}"
python3 -c "import PyInstaller" 2>/dev/null || python3 -m pip install -q "pyinstaller>=6.10"
[ -f resources/icon.png ] || python3 packaging/make_icon.py

python3 -m PyInstaller packaging/studio.spec --noconfirm --log-level WARN \
    --distpath "$OUT/dist" --workpath "$OUT/work"
BUNDLE="$OUT/dist/AttentionVideoStudio"
bash packaging/smoke.sh "$BUNDLE/studio"

VERSION="$(python3 -c 'import studio; print(studio.__version__)')"
INSTALLER="$OUT/AttentionVideoStudio-$VERSION-linux-$(uname -m).run"
bash packaging/make_run.sh "$BUNDLE" "$INSTALLER"

# The installer itself: into a throw-away prefix, then the installed command runs.
prefix="$(mktemp -d)"
trap 'rm -rf "$prefix"' EXIT
PREFIX="$prefix" sh "$INSTALLER" >/dev/null
"$prefix/bin/studio" --version
test -f "$prefix/share/applications/attention-video-studio.desktop"
test -f "$prefix/share/icons/hicolor/256x256/apps/attention-video-studio.png"
echo "build.sh: $INSTALLER ($(du -h "$INSTALLER" | cut -f1)) built, smoke-tested and installed"
