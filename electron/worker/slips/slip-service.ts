/**
 * Printing slips from the settlement records: the first print of a settlement
 * is the original, every later one a reprint (补打, counted, same number); a
 * reversal prints its own slip naming the original. Every printed slip is also
 * archived as a PDF in the data folder, sealed and written once
 * (electron/node/archive-files.ts), the SHA-256 of the clear PDF recorded with
 * the settlement. The day report goes through the same machinery.
 */
import { createHash } from 'node:crypto';
import { ArchiveFiles } from '../../node/archive-files.js';
import { join } from 'node:path';
import QRCode from 'qrcode';
import { negatedAmount } from '../../../shared/money.js';
import { SCHEME_NAMES } from '../../../shared/rules/schema.js';
import { daysBetween } from '../../../shared/dates.js';
import { DeskError } from '../../../shared/errors.js';
import type { SettlementResult } from '../../../shared/engine/result.js';
import { negatedResult } from '../../../shared/engine/negated-result.js';
import { renderSlip, type SlipData, type SlipKind, type SlipLayout } from '../../../shared/slip/slip.js';
import { renderDayReport } from '../../../shared/slip/day-report.js';
import { writeTransaction } from '../store/db.js';
import { appendAudit } from '../store/audit.js';
import type { Clock } from '../store/clock.js';
import type { Handlers } from '../../node/dispatch.js';
import type { Platform } from '../../node/platform.js';
import type { AppContext } from '../app-context.js';
import type { Session } from '../services/access.js';
import type { DeskService } from '../services/desk-service.js';
import { SlipChecksum } from './checksum.js';
import type { PlatformSettlement } from '../../../shared/ipc/contract.js';
import { platformSettlementOf } from '../sync/nhsa/window.js';
import type { CostRowKey } from '../sync/nhsa/platform-split.js';

const negatedPlatform = (p: PlatformSettlement): PlatformSettlement => ({
  ...p,
  rows: p.rows.map((r) => ({
    ...r,
    terminal: negatedAmount(r.terminal),
    platform: negatedAmount(r.platform),
    difference: negatedAmount(r.difference),
  })),
});
const platformRow = (p: PlatformSettlement, key: string) => p.rows.find((r) => r.key === key)!.platform;
/** The national field of a layer the local result paid from (a fund only the platform used: oth_pay, its code shown by name). */
const fieldOf = (r: SettlementResult, layer: string) =>
  r.fund_details.find((f) => f.layer === layer)?.field ?? 'oth_pay';

export interface PrintedSlip {
  html: string;
  kind: SlipKind;
  reprint: number;
  layout: SlipLayout;
  pdf: Buffer;
  pdf_path: string;
  pdf_sha256: string;
}

export class SlipService {
  private readonly checksum: SlipChecksum;
  private readonly archive: ArchiveFiles;

  constructor(
    private readonly desk: DeskService,
    private readonly platform: Pick<Platform, 'print' | 'keys'>,
    private readonly dataDir: string,
    private readonly clock: Clock,
  ) {
    this.checksum = new SlipChecksum(platform.keys);
    this.archive = new ArchiveFiles(dataDir, platform.keys);
  }

  /** The text the slip's QR code carries, for the insurer's verification. */
  verifyCode(text: string) {
    return this.checksum.verify(text);
  }

  async print(session: Session, number: string, layout: SlipLayout): Promise<PrintedSlip> {
    const db = this.desk.db;
    const rec = this.desk.records.record(number);
    const printed = (
      db.prepare('SELECT count(*) AS n FROM slip_prints WHERE settlement_id = ?').get(rec.id) as { n: number }
    ).n;
    let kind: SlipKind;
    let reprint = 0;
    if (printed === 0) {
      this.desk.assertCan(session, rec.kind === 'reversal' ? 'settlement.reverse' : 'settlement.settle');
      kind = rec.kind === 'reversal' ? 'reversal' : 'original';
    } else {
      // Counted only once the slip has printed (below), so a failed print leaves no reprint behind.
      this.desk.assertCan(session, 'settlement.reprint');
      reprint = rec.reprints + 1;
      kind = rec.kind === 'reversal' ? 'reversal' : 'reprint';
    }
    const at = this.clock.now();
    const relative = this.archiveName(
      join('slips', rec.business_date.slice(0, 7), `${number}-${kind}${reprint ? `-${reprint}` : ''}-${layout}.pdf`),
    );
    const data = await this.slipData(number, kind, reprint, at.toISOString());
    const html = renderSlip(data, layout);
    const { pdf } = await this.platform.print(html, layout);
    const sha = createHash('sha256').update(pdf).digest('hex');
    const archived = this.archive.writeOnce(relative, pdf);
    this.recordOrDiscard(archived, () =>
      writeTransaction(db, () => {
        if (reprint > 0) this.desk.records.reprint(session, number);
        db.prepare(
          'INSERT INTO slip_prints (settlement_id, kind, layout, reprint, pdf_path, pdf_sha256, operator_id, printed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        ).run(rec.id, kind, layout, reprint, archived, sha, session.operatorId, at.toISOString());
        appendAudit(db, {
          at: at.toISOString(),
          operatorId: session.operatorId,
          action: 'slip.print',
          entity: 'settlement',
          entityId: number,
          detail: { kind, reprint, layout, pdf_sha256: sha },
        });
      }),
    );
    return { html, kind, reprint, layout, pdf, pdf_path: archived, pdf_sha256: sha };
  }

  /**
   * The archive name for a new print: its own, or the next free one when a file no print recorded holds it (left
   * by a power cut between the file and its record); that file is kept as it is, and IT is told.
   */
  private archiveName(wanted: string): string {
    const name = this.archive.freeName(wanted);
    if (name !== wanted)
      console.error(
        `archive: ${wanted} is held by a file no print recorded (an interrupted print?); kept as it is, this print is archived as ${name}`,
      );
    return name;
  }

  /**
   * Records a print whose archive file was just written; when the record fails, the file goes too (it was this
   * call's own, and a file left without its record would take the name from the next, real print).
   */
  private recordOrDiscard(archived: string, record: () => void): void {
    try {
      record();
    } catch (e) {
      this.archive.discard(archived);
      throw e;
    }
  }

  /** Everything on the slip, from the stored records. */
  async slipData(number: string, kind: SlipKind, reprint: number, printedAt: string): Promise<SlipData> {
    const db = this.desk.db;
    const row = db
      .prepare(
        `SELECT s.id, s.kind, s.reverses_id, s.request, s.result, s.stay, s.reason, s.offline, s.settled_at, s.admission_date, s.discharge_date, s.rule_versions, s.medfee_sumamt, s.fund_pay_sumamt, s.psn_cash_pay,
                o.number AS original_number, o.result AS original_result, p.name, p.gender, p.id_masked, op.code AS operator_code, op.name AS operator_name
         FROM settlements s JOIN persons p ON p.id = s.person_id JOIN operators op ON op.id = s.operator_id LEFT JOIN settlements o ON o.id = s.reverses_id
         WHERE s.number = ?`,
      )
      .get(number) as Record<string, string | number | null> | undefined;
    if (!row) throw new DeskError('not_found', 'number', `结算单号 ${number} 不存在`, `no settlement ${number}`);
    const reversal = row['kind'] === 'reversal';
    // A reversal's slip shows the original's figures negated (the same function as its detail on 结算查询).
    const stored = JSON.parse(String(reversal ? row['original_result'] : row['result'])) as SettlementResult;
    const result = reversal ? negatedResult(stored) : stored;
    const request = JSON.parse(String(row['request'])) as {
      insured: { scheme: string; retired: boolean; medical_assistance: boolean };
    };
    const stay = JSON.parse(String(row['stay'])) as {
      inpatient_no?: string;
      ward?: string;
      bed?: string;
      diagnosis?: string;
    };
    const insured = request.insured;
    const personType = [
      insured.scheme === 'employee' ? (insured.retired ? '退休' : '在职') : '城乡居民',
      insured.medical_assistance ? '医疗救助对象' : null,
    ]
      .filter(Boolean)
      .join('·');
    const admission = String(row['admission_date']);
    const discharge = String(row['discharge_date']);
    const terminal = this.desk.terminalInfo;
    const medfee = String(row['medfee_sumamt']);
    const funds = String(row['fund_pay_sumamt']);
    // A reversal refunds what was collected: the platform's amounts when it settled at the window (F8), negated.
    const nhsa = reversal
      ? this.collectedAtWindow(Number(row['reverses_id']))
        ? this.nhsaOf(Number(row['reverses_id']), stored)
        : null
      : this.nhsaOf(Number(row['id']), stored);
    const platform = nhsa?.platform && reversal ? negatedPlatform(nhsa.platform) : (nhsa?.platform ?? null);
    const cost = (key: CostRowKey) => (platform ? platformRow(platform, key) : result[key]);
    return {
      kind,
      reprint,
      hospital: { name: terminal.hospital_name, code: terminal.hospital_code },
      number,
      reverses: reversal ? { number: String(row['original_number']), reason: String(row['reason']) } : null,
      patient: {
        name: String(row['name']),
        gender: (row['gender'] as 'M' | 'F' | null) ?? null,
        id_masked: String(row['id_masked']),
        scheme: SCHEME_NAMES[insured.scheme as keyof typeof SCHEME_NAMES] ?? insured.scheme,
        person_type: personType,
      },
      stay: {
        inpatient_no: stay.inpatient_no ?? '',
        ward: stay.ward ?? '',
        bed: stay.bed ?? '',
        admission_date: admission,
        discharge_date: discharge,
        // 住院天数: discharge − admission, a same-day stay counting as one day.
        days: Math.max(1, daysBetween(admission, discharge)),
        diagnosis: stay.diagnosis ?? '',
      },
      // The platform's split of the bill when it settled (its catalogue decides 自费 / 先行自付 / in scope).
      costs: {
        medfee_sumamt: cost('medfee_sumamt'),
        fulamt_ownpay_amt: cost('fulamt_ownpay_amt'),
        overlmt_selfpay: cost('overlmt_selfpay'),
        preselfpay_amt: cost('preselfpay_amt'),
        inscp_scp_amt: cost('inscp_scp_amt'),
      },
      // With the NHSA platform's settlement, the slip shows what the platform paid (docs/nhsa.md §7.6).
      funds: platform
        ? platform.rows
            .filter((r) => r.kind === 'fund' && r.platform !== '0.00')
            .map((r) => ({ name: r.name, field: fieldOf(result, r.key), amount: r.platform }))
        : result.fund_details.map((f) => ({ name: f.name, field: f.field, amount: f.amount })),
      act_pay_dedc: result.act_pay_dedc,
      fund_pay_sumamt: platform ? platformRow(platform, 'fund_pay_sumamt') : funds,
      psn_cash_pay: platform ? platformRow(platform, 'psn_cash_pay') : String(row['psn_cash_pay']),
      platform: platform && {
        setl_id: platform.setl_id,
        medins_setl_id: platform.medins_setl_id,
        differences: platform.rows
          .filter((r) => r.difference !== '0.00')
          .map((r) => ({ name: r.name, terminal: r.terminal, platform: r.platform })),
      },
      platform_pending: nhsa !== null && platform === null,
      rules: {
        region_name: result.region_name,
        versions: String(row['rule_versions']),
        sample: result.parts.some((p) => p.uses_sample_values),
      },
      offline: row['offline'] === 1,
      cashier: { code: String(row['operator_code']), name: String(row['operator_name']) },
      settled_at: String(row['settled_at']),
      printed_at: printedAt,
      qr_svg: await QRCode.toString(this.checksum.text({ number, medfee_sumamt: medfee, fund_pay_sumamt: funds }), {
        type: 'svg',
        margin: 0,
        errorCorrectionLevel: 'M',
      }),
    };
  }

  /** An NHSA record's platform settlement (null: not settled there yet); null when the record has no NHSA stay. */
  private nhsaOf(settlementId: number, result: SettlementResult): { platform: PlatformSettlement | null } | null {
    const outboxId = this.desk.outbox.nhsaSettlementRow(settlementId);
    if (outboxId === null) return null;
    return { platform: platformSettlementOf({ service: this.desk }, outboxId, result) };
  }

  private collectedAtWindow(settlementId: number): boolean {
    return (
      this.desk.db.prepare('SELECT 1 FROM window_collections WHERE settlement_id = ?').get(settlementId) !== undefined
    );
  }

  /** Prints (and archives) an operator's day report; closed days show who closed them. */
  async printDayReport(
    session: Session,
    operatorCode: string,
    businessDate: string,
    layout: SlipLayout,
  ): Promise<{ html: string; pdf: Buffer; pdf_path: string; pdf_sha256: string }> {
    this.desk.assertCan(session, 'day.close');
    const db = this.desk.db;
    const op = this.desk.day.operator(operatorCode);
    const closed = this.desk.day.closedBy(op.id, businessDate);
    const totals = this.desk.day.totals(op.id, businessDate);
    const names = new Map(
      (
        db.prepare('SELECT DISTINCT f.layer, f.field FROM settlement_funds f').all() as {
          layer: string;
          field: string;
        }[]
      ).map((r) => [r.layer, r.field]),
    );
    const terminal = this.desk.terminalInfo;
    const at = this.clock.now().toISOString();
    const html = renderDayReport(
      {
        hospital: { name: terminal.hospital_name, code: terminal.hospital_code },
        terminal: terminal.code,
        operator: { code: op.code, name: op.name },
        closed: closed ? { by: closed.name, at: closed.closed_at } : null,
        printed_at: at,
        ...totals,
        funds: Object.entries(totals.funds).map(([layer, amount]) => ({
          layer,
          amount,
          name: FUND_LABELS[names.get(layer) ?? ''] ?? layer,
        })),
      },
      layout,
    );
    const relative = this.archiveName(join('reports', `${businessDate}-${op.code}-${at.replace(/[:.]/g, '')}.pdf`));
    const { pdf } = await this.platform.print(html, layout);
    const sha = createHash('sha256').update(pdf).digest('hex');
    const archived = this.archive.writeOnce(relative, pdf);
    this.recordOrDiscard(archived, () =>
      writeTransaction(db, () =>
        appendAudit(db, {
          at,
          operatorId: session.operatorId,
          action: 'day.report',
          entity: 'day',
          entityId: `${op.code}/${businessDate}`,
          detail: { pdf_sha256: sha, closed: !!closed },
        }),
      ),
    );
    return { html, pdf, pdf_path: archived, pdf_sha256: sha };
  }
}

const FUND_LABELS: Record<string, string> = {
  hifp_pay: '统筹基金支付',
  hifob_pay: '大额医疗费用补助支付',
  hifmi_pay: '大病保险支付',
  hifes_pay: '补充医疗保险支付',
  maf_pay: '医疗救助支付',
  cvlserv_pay: '公务员医疗补助支付',
  oth_pay: '其他支付',
};

export function slipHandlers({ slips, sessions, platform }: AppContext): Pick<Handlers, 'slip.print' | 'day.report'> {
  return {
    'slip.print': async (req, ctx) => {
      const printed = await slips.print(sessions.current(ctx), req.number, req.layout);
      const urls = await platform.publish(printed.html, printed.pdf);
      return {
        kind: printed.kind,
        reprint: printed.reprint,
        pdf_sha256: printed.pdf_sha256,
        html_url: urls?.html_url ?? null,
        pdf_url: urls?.pdf_url ?? null,
      };
    },
    'day.report': async (req, ctx) => {
      const s = sessions.current(ctx);
      const report = await slips.printDayReport(s, req.operator_code, req.business_date, req.layout);
      const urls = await platform.publish(report.html, report.pdf);
      return { pdf_sha256: report.pdf_sha256, html_url: urls?.html_url ?? null, pdf_url: urls?.pdf_url ?? null };
    },
  };
}
