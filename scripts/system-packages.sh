#!/usr/bin/env bash
# Install the system packages Frontstage needs, when they are missing and we can.
set -euo pipefail

declare -A NEEDED=(
  [dot]=graphviz
  [chromium]=chromium
  [pdftoppm]=poppler-utils
  [node]=nodejs
  [npm]=npm
  [msgfmt]=gettext
)
missing=()
for command in "${!NEEDED[@]}"; do
  command -v "$command" >/dev/null 2>&1 || missing+=("${NEEDED[$command]}")
done
# Fonts with wide Unicode coverage, for diagrams and PDFs in every language.
[ -d /usr/share/fonts/truetype/dejavu ] || missing+=(fonts-dejavu-core)
# Chinese, Japanese and Korean text in the PDF book (DejaVu covers Arabic and Hebrew).
[ -d /usr/share/fonts/opentype/noto ] || missing+=(fonts-noto-cjk)
# Emoji and pictographs in titles (🍾, ✅): Graphviz and WeasyPrint fall back to this font
# through fontconfig; without it they print hex boxes ("01F37E"). It is not named in any font
# list on purpose: named, Pango takes digits, "#" and "☎" from it too (keycap and red glyphs).
[ -f /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ] || missing+=(fonts-noto-color-emoji)
# WeasyPrint lays out the PDF book with Pango.
ldconfig -p | grep -q 'libpangoft2-1.0.so.0' || missing+=(libpango-1.0-0 libpangoft2-1.0-0)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "Frontstage needs these system packages, please install them: ${missing[*]}" >&2
  echo "  (Debian/Ubuntu: sudo apt-get install ${missing[*]})" >&2
  exit 1
fi
