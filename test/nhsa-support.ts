/** What the NHSA tests share: a seeded person, the config section for the reference gateway, item-level bills, a manual claim. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { startInsurer, type RunningInsurer } from '../insurer/server.js';
import type { FaultRule } from '../insurer/faults.js';
import { terminalConfig, type NhsaConfig } from '../shared/settings.js';
import type { NhsaSync } from '../electron/worker/sync/nhsa/worker.js';
import { asBill, asClaim, type TestStore } from './store-support.js';

/** Seeded at the reference insurer, with no earlier stays there. */
export const NHSA_PERSON = '511702197509210021';

/** config.json's nhsa section for the reference gateway: the single URL, or one path per transaction under its base. */
export function nhsaSection(
  n: RunningInsurer['nhsa'],
  options: { form?: 'single' | 'paths'; gatewayUrl?: string; slot?: number; batchSize?: number } = {},
) {
  return {
    ...(options.form === 'paths' ? { base_url: n.baseUrl } : { gateway_url: options.gatewayUrl ?? n.url }),
    paasid: n.paasid,
    pass_token: n.passToken,
    fixmedins_code: n.fixmedinsCode,
    fixmedins_name: n.fixmedinsName,
    mdtrtarea_admvs: n.mdtrtareaAdmvs,
    terminal_slot: options.slot ?? 3,
    ...(options.batchSize ? { batch_size: options.batchSize } : {}),
  };
}

/** One fee line as the HIS sends it, with no self-pay of its own. */
export const feeLine = (sn: string, code: string, cnt: string, pric: string, amount: string, day = '2026-03-12') => ({
  feedetl_sn: sn,
  init_feedetl_sn: '',
  fee_ocur_time: `${day} 09:30:00`,
  med_list_codg: code,
  medins_list_codg: `H-${code}`,
  name: `项目 ${sn}`,
  cnt,
  pric,
  det_item_fee_sumamt: amount,
  fulamt_ownpay_amt: '0.00',
  overlmt_selfpay: '0.00',
  preselfpay_amt: '0.00',
  bilg_dept_codg: 'D01',
  bilg_dept_name: '心内科',
  bilg_dr_codg: '',
  bilg_dr_name: '',
});

/** An offline settlement of an item-level bill: five fee lines on three days, services only (4801.00 in all). */
export function settleOffline(store: TestStore, personId: number, hospitalLevel: 1 | 2 | 3, i = 0): string {
  return store.service.settlements.settle(
    store.cashier,
    asBill({
      person_id: personId,
      hospital_level: hospitalLevel,
      admission_date: '2026-03-10',
      discharge_date: '2026-03-15',
      fee_lines: [
        feeLine(`${i}-1`, '001101000010000', '5', '60.00', '300.00', '2026-03-10'),
        feeLine(`${i}-2`, '001201000010000', '1', '1200.00', '1200.00', '2026-03-11'),
        feeLine(`${i}-3`, '002101000010000', '2', '450.50', '901.00'),
        feeLine(`${i}-4`, '003101000010000', '1', '2300.00', '2300.00'),
        feeLine(`${i}-5`, '004101000010000', '3', '33.333333', '100.00', '2026-03-15'),
      ],
      offline: true,
    }),
  ).number;
}

/** An out-of-network claim entered and submitted by the claims clerk (one invoice of 1,000.00). */
export function submitManualClaim(store: TestStore, personId: number): string {
  const claim = store.service.claims.create(
    store.clerk,
    asClaim({
      person_id: personId,
      hospital_code: 'H999',
      hospital_name: '外院',
      hospital_level: 2,
      admission_date: '2026-03-01',
      discharge_date: '2026-03-05',
      invoices: [
        {
          invoice_no: 'INV-1',
          invoice_date: '2026-03-05',
          medfee_sumamt: '1000.00',
          fulamt_ownpay_amt: '0.00',
          overlmt_selfpay: '0.00',
          preselfpay_amt: '0.00',
        },
      ],
    }),
  );
  store.service.claims.submit(store.clerk, claim.number);
  return claim.number;
}

/**
 * Starts the reference insurer with its NHSA gateway on 127.0.0.1 (with these faults), closed after each test of the
 * file that calls this at its top level. dataDir: where the gateway keeps its database (tests read it to check).
 */
export function nhsaGateways(): (faults?: FaultRule[]) => Promise<RunningInsurer & { dataDir: string }> {
  const open: RunningInsurer[] = [];
  afterEach(async () => {
    for (const insurer of open.splice(0).reverse()) await insurer.close();
  });
  return async (faults = []) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'insurer-nhsa-'));
    const insurer = await startInsurer({
      dataDir,
      port: 0,
      faults,
      adminToken: 'admin-token-for-tests-0123456789',
      log: () => {},
    });
    open.push(insurer);
    return Object.assign(insurer, { dataDir });
  };
}

/** The terminal's config.json nhsa section for the gateway, validated as the app validates it (per-path form, batches of 2). */
export function nhsaConfig(insurer: RunningInsurer, form: 'single' | 'paths' = 'paths'): NhsaConfig {
  const n = insurer.nhsa;
  return terminalConfig.parse({
    terminal: { code: 'T01', hospital_code: n.fixmedinsCode, hospital_name: n.fixmedinsName },
    nhsa: nhsaSection(n, { form, batchSize: 2 }),
  }).nhsa!;
}

/** Sync rounds until the queue is empty (or fails naming the last error). */
export async function drain(sync: NhsaSync, maxRuns = 20): Promise<void> {
  for (let run = 0; run < maxRuns; run++) {
    await sync.syncNow();
    if (sync.status().queued === 0) return;
  }
  throw new Error(`not drained: ${sync.status().last_error}`);
}
