#!/bin/sh
# The per-machine data folder (electron/main/data-folder.ts), writable by the
# `users` group. Removing the package leaves it: it holds the settlements.
set -e
mkdir -p /var/lib/discharge-desk
chgrp users /var/lib/discharge-desk || true
chmod 2770 /var/lib/discharge-desk
