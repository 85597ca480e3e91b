#!/usr/bin/env bash
# Installs Debian's Chromium and CJK fonts for the browser tests, once.
set -euo pipefail
if [ -x /usr/bin/chromium ] && fc-list 2>/dev/null | grep -qi 'noto sans cjk'; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "Chromium is missing; run as root or: sudo apt-get install chromium fonts-noto-cjk" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium fonts-noto-cjk >/dev/null
