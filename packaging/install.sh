#!/bin/sh
# Install Huntaze Desktop for the current user from this extracted archive:
#   ./install.sh            into ~/.local (app in ~/.local/opt/huntaze-desktop)
#   ./install.sh --remove   undo it
# Nothing is written outside ~/.local; your data folder is never touched.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
prefix="${XDG_DATA_HOME:-$HOME/.local/share}"
opt="$HOME/.local/opt/huntaze-desktop"
bin="$HOME/.local/bin/huntaze-desktop"
desktop="$prefix/applications/huntaze-desktop.desktop"
icon="$prefix/icons/hicolor/512x512/apps/huntaze-desktop.png"

if [ "${1:-}" = "--remove" ]; then
  rm -rf "$opt" "$bin" "$desktop" "$icon"
  echo "Huntaze Desktop removed."
  exit 0
fi
mkdir -p "$(dirname "$opt")" "$(dirname "$bin")" "$(dirname "$desktop")" "$(dirname "$icon")"
rm -rf "$opt"
cp -R "$here/huntaze-desktop" "$opt"
ln -sf "$opt/huntaze-desktop" "$bin"
cp "$here/huntaze-desktop.png" "$icon"
# A launcher needs an absolute Exec path: ~/.local/bin may not be on PATH.
sed "s|^Exec=huntaze-desktop|Exec=$opt/huntaze-desktop|" "$here/huntaze-desktop.desktop" > "$desktop"
command -v update-desktop-database >/dev/null && update-desktop-database "$prefix/applications" || true
echo "Huntaze Desktop installed: find it in your applications menu, or run $bin"
