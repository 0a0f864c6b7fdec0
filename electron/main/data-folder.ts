/**
 * Where a terminal keeps its settings, database, slips and backups. A cashier
 * terminal is the machine, not a person's login: the data folder is
 * per-machine, so a Windows profile reset or a different desktop account does
 * not leave the settlements behind.
 *
 *  - $DESK_DATA when set (hospital IT, tests);
 *  - Windows: %ProgramData%\DischargeDesk (the NSIS installer creates it and
 *    lets the Users group modify it: build/installer.nsh);
 *  - Linux: /var/lib/discharge-desk (the deb's after-install script creates it
 *    for the `users` group: build/deb-after-install.sh);
 *  - otherwise (an AppImage nobody installed, a folder we may not write): the
 *    per-user folder, with the reason, so the settings screen can show it.
 *
 * The store's key is protected by the OS keychain of the account that runs the
 * app (safeStorage): run the terminal under one OS account.
 */
import { accessSync, constants, mkdirSync } from 'node:fs';
import { join } from 'node:path';

export interface DataFolder {
  path: string;
  /** Why the per-machine folder is not used; null when it is (or DESK_DATA chose). */
  fallback: string | null;
}

export function machineDataFolder(platform: NodeJS.Platform, env: NodeJS.ProcessEnv): string | null {
  if (platform === 'win32') return join(env['ProgramData'] ?? env['PROGRAMDATA'] ?? 'C:\\ProgramData', 'DischargeDesk');
  if (platform === 'linux') return '/var/lib/discharge-desk';
  return null;
}

function usable(path: string): string | null {
  try {
    mkdirSync(path, { recursive: true });
    accessSync(path, constants.R_OK | constants.W_OK);
    return null;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

export function resolveDataFolder(options: {
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  userData: string;
  machineFolder?: string | null;
}): DataFolder {
  const chosen = options.env['DESK_DATA'];
  if (chosen) {
    const why = usable(chosen);
    if (why) throw new Error(`DESK_DATA=${chosen} cannot be used: ${why}`);
    return { path: chosen, fallback: null };
  }
  const machine =
    options.machineFolder === undefined ? machineDataFolder(options.platform, options.env) : options.machineFolder;
  const perUser = join(options.userData, 'data');
  if (machine) {
    const why = usable(machine);
    if (!why) return { path: machine, fallback: null };
    mkdirSync(perUser, { recursive: true });
    return { path: perUser, fallback: `per-machine data folder ${machine} is not writable (${why}); using ${perUser}` };
  }
  mkdirSync(perUser, { recursive: true });
  return { path: perUser, fallback: `no per-machine data folder on ${options.platform}; using ${perUser}` };
}
