#!/bin/sh
# Install Huntaze Desktop for the current user from this extracted archive:
#   ./install.sh            into ~/.local (app in ~/.local/opt/huntaze-desktop)
#   ./install.sh --remove   undo it
# Nothing is written outside ~/.local (or $XDG_DATA_HOME); your data folder is never
# touched. It refuses to replace or remove the app while it is running.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
data="${XDG_DATA_HOME:-$HOME/.local/share}"
opt="$HOME/.local/opt/huntaze-desktop"
bin="$HOME/.local/bin/huntaze-desktop"
apps="$data/applications"
desktop="$apps/huntaze-desktop.desktop"
hicolor="$data/icons/hicolor"
svg_icon="$hicolor/scalable/apps/huntaze-desktop.svg"
png_icon="$hicolor/512x512/apps/huntaze-desktop.png"
metainfo="$data/metainfo/com.huntaze.desktop.metainfo.xml"
# The folders this script created, so that --remove takes away those (when empty)
# and never one that was there before.
created="$opt.folders"

die() { echo "install.sh: $*" >&2; exit 1; }

running() {
  # A process whose executable is the installed app (its CLI or its window).
  for proc in /proc/[0-9]*; do
    exe=$(readlink "$proc/exe" 2>/dev/null) || continue
    case "$exe" in
      "$opt/huntaze-desktop" | "$opt/huntaze-desktop (deleted)") return 0 ;;
    esac
  done
  return 1
}

refresh_caches() {
  # Only caches that exist are refreshed: the script never leaves a new one behind.
  if [ -f "$apps/mimeinfo.cache" ] && command -v update-desktop-database >/dev/null; then
    update-desktop-database -q "$apps" || true
  fi
  if [ -f "$hicolor/icon-theme.cache" ] && command -v gtk-update-icon-cache >/dev/null; then
    gtk-update-icon-cache -q -f -t "$hicolor" || true
  fi
}

make_folder() {
  # mkdir -p, writing down each folder it had to create.
  missing=""
  dir=$1
  while [ ! -d "$dir" ]; do
    missing="$dir
$missing"
    dir=$(dirname "$dir")
  done
  mkdir -p "$1"
  printf '%s' "$missing" | while IFS= read -r made; do
    [ -n "$made" ] && printf '%s\n' "$made" >> "$created.new"
  done
  return 0
}

# The Exec value: the path quoted as the Desktop Entry Specification says (a
# backslash, double quote, backtick or dollar sign escaped; % doubled).
desktop_quote() {
  printf '"%s"' "$(printf '%s' "$1" | sed -e 's/\\/\\\\\\\\/g' -e 's/["`$]/\\\\&/g' -e 's/%/%%/g')"
}

if [ "${1:-}" = "--remove" ]; then
  running && die "Huntaze Desktop is running: quit it (tray icon > Quit), then run this again."
  folders=""
  [ -f "$created" ] && folders=$(cat "$created")
  rm -rf "$opt"
  rm -f "$bin" "$desktop" "$svg_icon" "$png_icon" "$metainfo" "$created"
  # Deepest first, and only when empty: a folder another program uses stays.
  printf '%s\n' "$folders" | awk '{ print length($0) "\t" $0 }' | sort -rn | cut -f2- |
    while IFS= read -r folder; do
      [ -n "$folder" ] && rmdir "$folder" 2>/dev/null || true
    done
  refresh_caches
  echo "Huntaze Desktop removed."
  exit 0
fi
[ $# -eq 0 ] || die "unknown option '$1' (use no option to install, or --remove)"
[ -x "$here/huntaze-desktop/huntaze-desktop" ] || die "run this from the extracted archive"
running && die "Huntaze Desktop is running: quit it (tray icon > Quit), then run this again."

rm -f "$created.new"
[ -f "$created" ] && cat "$created" > "$created.new"
for folder in "$(dirname "$opt")" "$(dirname "$bin")" "$apps" "$(dirname "$svg_icon")" \
  "$(dirname "$png_icon")" "$(dirname "$metainfo")"; do
  make_folder "$folder"
done
rm -rf "$opt"
cp -R "$here/huntaze-desktop" "$opt"
[ -f "$created.new" ] && sort -u "$created.new" > "$created"
rm -f "$created.new"
ln -sf "$opt/huntaze-desktop" "$bin"
cp "$here/huntaze-desktop.svg" "$svg_icon"
cp "$here/huntaze-desktop.png" "$png_icon"
cp "$here/com.huntaze.desktop.metainfo.xml" "$metainfo"
# A launcher needs an absolute Exec path: ~/.local/bin may not be on PATH.
exec_line="Exec=$(desktop_quote "$opt/huntaze-desktop")"
while IFS= read -r line; do
  case "$line" in
    Exec=*) printf '%s\n' "$exec_line" ;;
    *) printf '%s\n' "$line" ;;
  esac
done < "$here/huntaze-desktop.desktop" > "$desktop"
refresh_caches
echo "Huntaze Desktop installed: find it in your applications menu, or run $bin"
