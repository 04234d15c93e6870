#!/usr/bin/env bash
# Install what vidc needs from the system when it is missing: ffmpeg + ffprobe (libx264, libass,
# freetype) and a caption font (DejaVu Sans). Uses apt-get when run as root; otherwise says what to do.
# With --test, also headless Chromium and its driver from Debian (the review site's browser tests;
# no test downloads a browser): installed when root, otherwise only a note (those tests then skip).
set -euo pipefail
need=()
command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null || need+=(ffmpeg)
{ command -v fc-list >/dev/null && fc-list | grep -q "DejaVu Sans"; } || need+=(fonts-dejavu-core fontconfig)
if [ "${1:-}" = "--test" ]; then
  browser=()
  [ -x /usr/bin/chromium ] || browser+=(chromium)
  [ -x /usr/bin/chromedriver ] || browser+=(chromium-driver)
  if [ ${#browser[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      need+=("${browser[@]}")
    else
      echo "note: the browser tests need ${browser[*]} (apt-get install ${browser[*]}); without them they skip" >&2
    fi
  fi
fi
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "vidc needs: ${need[*]}. Install them with your package manager (e.g. sudo apt-get install ${need[*]})." >&2
  exit 1
fi
echo "installing ${need[*]} with apt-get" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
