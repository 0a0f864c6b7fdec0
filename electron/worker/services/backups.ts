/**
 * Backups on demand (a supervisor's button); the daily backup runs from the services worker's timer through
 * store/backup.ts, which also verifies every copy before it gets its name.
 */
import { backupDatabase } from '../store/backup.js';
import { writeTransaction } from '../store/db.js';
import { requireFullVerification } from '../store/chain.js';
import { assertCan, type Session } from './access.js';
import { audit, type ServiceContext } from './context.js';

export class Backups {
  constructor(private readonly ctx: ServiceContext) {}

  async run(session: Session, folder: string): Promise<{ path: string; settlements: number }> {
    assertCan(this.ctx.db, session, 'backup.run');
    // A backup of a store that does not verify would be restored one day as a good one: refused, with the reason.
    requireFullVerification(this.ctx.db, this.ctx.clock.now());
    const done = await backupDatabase(this.ctx.db, folder, this.ctx.clock, `desk-${this.ctx.terminal.code}`);
    writeTransaction(this.ctx.db, () =>
      audit(this.ctx, session, 'backup.run', 'backup', done.path, { settlements: done.settlements }),
    );
    return done;
  }
}
