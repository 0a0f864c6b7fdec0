/** Builds settlement requests for tests: one cost line on the discharge date unless costs are given. */
import type { LayerAccumulator } from '../shared/engine/request.js';

export interface RequestOptions {
  region: string;
  scheme?: 'employee' | 'resident';
  retired?: boolean;
  medical_assistance?: boolean;
  enrolled?: Record<string, boolean>;
  level?: 1 | 2 | 3;
  admission?: string;
  discharge?: string;
  total: string;
  fulamt?: string;
  overlmt?: string;
  preself?: string;
  costs?: {
    date: string;
    medfee_sumamt: string;
    fulamt_ownpay_amt?: string;
    overlmt_selfpay?: string;
    preselfpay_amt?: string;
  }[];
  ytd?: Record<string, Record<string, LayerAccumulator>>;
}

export function request(o: RequestOptions) {
  const discharge = o.discharge ?? '2026-03-20';
  const costs = (
    o.costs ?? [
      {
        date: discharge,
        medfee_sumamt: o.total,
        fulamt_ownpay_amt: o.fulamt,
        overlmt_selfpay: o.overlmt,
        preselfpay_amt: o.preself,
      },
    ]
  ).map((c) => ({
    date: c.date,
    medfee_sumamt: c.medfee_sumamt,
    fulamt_ownpay_amt: c.fulamt_ownpay_amt ?? '0.00',
    overlmt_selfpay: c.overlmt_selfpay ?? '0.00',
    preselfpay_amt: c.preselfpay_amt ?? '0.00',
  }));
  return {
    region: o.region,
    insured: {
      scheme: o.scheme ?? 'employee',
      retired: o.retired ?? false,
      medical_assistance: o.medical_assistance ?? false,
      enrolled: o.enrolled ?? {},
    },
    hospital_level: o.level ?? 3,
    admission_date: o.admission ?? '2026-03-02',
    discharge_date: discharge,
    costs,
    ytd: o.ytd ?? {},
  };
}
