/**
 * Schema 8: one process at a time drains a terminal's queue. The app's
 * services worker and the headless `desk sync` command (or two app instances
 * on one data folder) would otherwise send the same queued record twice: on
 * the national interface that is a second 2401 or 2304 under a new msgid. The
 * lease names its holder (process id and a token per sync loop) and expires;
 * a holder whose process is gone is taken over at once.
 */
export const sql = `
ALTER TABLE sync_state ADD COLUMN lease_pid INTEGER;
ALTER TABLE sync_state ADD COLUMN lease_token TEXT;
ALTER TABLE sync_state ADD COLUMN lease_until TEXT;
`;
