#!/usr/bin/env bash
# Install ffmpeg (with ffprobe, libx264, libass) and a caption font when they are missing.
set -euo pipefail
if command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null; then exit 0; fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "vidc needs ffmpeg and ffprobe: install them (e.g. 'sudo apt-get install ffmpeg fonts-dejavu-core')" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends ffmpeg fonts-dejavu-core >/dev/null
