#!/usr/bin/env bash
# The README's commands on a fresh machine of this kind (Debian, Node 20, npm 11):
#   scripts/fresh-machine.sh test    system packages, npm ci, npm test   (= npm run test:fresh)
#   scripts/fresh-machine.sh start   system packages, npm ci, npm start  (= npm run start:fresh)
#   scripts/fresh-machine.sh check   only say which system packages are missing (exit 1 if any)
# System packages are installed only where missing, and only where this user can
# (root with apt-get). Otherwise the script names what is missing and the command
# that installs it, and stops: the real-browser tests are never skipped silently.
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-test}"

# What each mode needs: Chromium renders slips to PDF and drives the e2e tests;
# a CJK font makes Chinese text render at all; poppler-utils reads printed PDFs in tests.
missing=()
chromium_bin="${CHROMIUM_PATH:-chromium}"
command -v "$chromium_bin" >/dev/null 2>&1 || missing+=(chromium)
{ command -v fc-list >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qiE 'noto.*cjk|wqy'; } || missing+=(fonts-noto-cjk)
if [ "$mode" != start ]; then
  command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
fi

case "$mode" in test|start|check) ;; *)
  echo "usage: $0 test|start|check" >&2; exit 2 ;;
esac

if [ ${#missing[@]} -gt 0 ]; then
  install_cmd="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
  if [ "$mode" = check ]; then
    echo "missing system packages: ${missing[*]}"
    echo "install them with: sudo sh -c '$install_cmd'"
    exit 1
  fi
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    why="not root"; [ "$(id -u)" = 0 ] && why="apt-get not found"
    {
      echo "Discharge Desk needs these system packages, which are missing: ${missing[*]}"
      echo "They cannot be installed from here ($why). Install them as root, then run this again:"
      echo "  sudo sh -c '$install_cmd'"
    } >&2
    exit 1
  fi
  echo "fresh-machine: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
elif [ "$mode" = check ]; then
  echo "all system packages present"
  exit 0
fi

node --version
npm --version
# Electron >= 42 fetches its binary on first run, not at install, so this
# succeeds without network access to Electron's downloads.
npm ci --no-audit --no-fund

if [ "$mode" = test ]; then exec npm test; else exec npm start; fi
