/**
 * The terminal's services for one store, one module per domain: operators,
 * persons, settlements and their records, manual claims, day close, backups,
 * the settings log and the outbox. Each takes inputs already validated at a trust boundary and
 * does its writes as single transactions (see each module). The window's
 * handlers of each domain sit beside it and are merged in ../desk-app.ts.
 */
import { DeskError } from '../../../shared/errors.js';
import { ArchiveFiles } from '../../node/archive-files.js';
import type { KeyProvider } from '../../node/keys.js';
import { verifyAudit, type AuditVerdict } from '../store/audit.js';
import { systemClock, type Clock } from '../store/clock.js';
import { writeTransaction, type Db } from '../store/db.js';
import { IdentityVault } from '../store/pii.js';
import { RuleStore } from '../store/rule-store.js';
import { assertCan, type Action, type Session } from './access.js';
import { Backups } from './backups.js';
import { Claims } from './claims.js';
import { nowIso, type ServiceContext, type TerminalInfo } from './context.js';
import { Day } from './day.js';
import { Operators } from './operators.js';
import { Outbox } from './outbox.js';
import { Persons } from './persons.js';
import { SettlementRecords } from './records.js';
import { Settlements } from './settlements.js';
import { SettingsLog } from './settings.js';

export type { Action, Session, TerminalInfo };

export interface ServiceOptions {
  db: Db;
  keys: KeyProvider;
  /** Data folder: attachments are stored under it. */
  dataDir: string;
  terminal: TerminalInfo;
  clock?: Clock;
}

export class DeskService {
  readonly db: Db;
  readonly rules: RuleStore;
  readonly operators: Operators;
  readonly persons: Persons;
  readonly settlements: Settlements;
  readonly records: SettlementRecords;
  readonly claims: Claims;
  readonly day: Day;
  readonly backups: Backups;
  readonly outbox: Outbox;
  readonly settings: SettingsLog;
  private readonly ctx: ServiceContext;

  constructor(options: ServiceOptions) {
    const clock = options.clock ?? systemClock;
    this.db = options.db;
    this.rules = new RuleStore(this.db, clock);
    this.ctx = {
      db: this.db,
      clock,
      rules: this.rules,
      vault: new IdentityVault(options.keys),
      terminal: options.terminal,
      dataDir: options.dataDir,
      archive: new ArchiveFiles(options.dataDir, options.keys),
    };
    this.claimTerminal(options.terminal);
    this.rules.installBundled();
    this.outbox = new Outbox(this.ctx);
    this.operators = new Operators(this.ctx);
    this.persons = new Persons(this.ctx);
    this.settlements = new Settlements(this.ctx, this.persons, this.outbox);
    this.records = new SettlementRecords(this.ctx, this.persons);
    this.claims = new Claims(this.ctx, this.settlements, this.outbox);
    this.day = new Day(this.ctx);
    this.backups = new Backups(this.ctx);
    this.settings = new SettingsLog(this.ctx);
  }

  /** A store belongs to one terminal: opened under another code, it is refused. */
  private claimTerminal(terminal: TerminalInfo): void {
    writeTransaction(this.db, () => {
      const existing = this.db.prepare('SELECT code FROM terminal WHERE id = 1').get() as { code: string } | undefined;
      if (!existing) {
        this.db
          .prepare('INSERT INTO terminal (id, code, hospital_code, hospital_name, created_at) VALUES (1, ?, ?, ?, ?)')
          .run(terminal.code, terminal.hospital_code, terminal.hospital_name, nowIso(this.ctx));
      } else if (existing.code !== terminal.code) {
        throw new DeskError(
          'invalid_field',
          'terminal.code',
          `数据库属于终端 ${existing.code}，不能以终端 ${terminal.code} 打开`,
          `this database belongs to terminal ${existing.code}`,
        );
      }
    });
  }

  get terminalInfo(): TerminalInfo {
    return { ...this.ctx.terminal };
  }

  /** Throws forbidden unless the role may do this (checked in the services, not only hidden in the window). */
  assertCan(session: Session, action: Action): void {
    assertCan(this.db, session, action);
  }

  verifyAudit(): AuditVerdict {
    return verifyAudit(this.db);
  }
}
