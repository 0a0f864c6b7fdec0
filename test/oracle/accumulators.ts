/**
 * Year-to-date accumulators (docs/settlement-model.md#inputs): per calendar year, the basic
 * fund paid and the number of earlier admissions, and per layer the amount paid
 * and the cumulative base of its banded part. Missing values are zero.
 */
import { Decimal, ZERO, formatAmount, type Money } from './money.js';
import { BASIC_LAYER_ID } from '../../shared/rules/schema.js';
import type { LayerAccumulator } from '../../shared/engine/request.js';

export interface LayerYtd {
  paid: Money;
  base: Money;
}

export interface YearYtd {
  basicPaid: Money;
  admissions: number;
  layers: Map<string, LayerYtd>;
}

export type YtdJson = Record<string, Record<string, LayerAccumulator>>;

/** A missing or "0.00" value is the shared ZERO rather than a new Decimal. */
const amount = (s: string | undefined): Money => (s === undefined || s === '0.00' ? ZERO : new Decimal(s));

export class Accumulators {
  private readonly years = new Map<number, YearYtd>();

  static fromJson(json: YtdJson): Accumulators {
    const acc = new Accumulators();
    for (const [year, layers] of Object.entries(json)) {
      const y = acc.year(Number(year));
      for (const [id, v] of Object.entries(layers)) {
        if (id === BASIC_LAYER_ID) {
          y.basicPaid = amount(v.paid);
          y.admissions = v.admissions ?? 0;
        } else {
          y.layers.set(id, { paid: amount(v.paid), base: amount(v.base) });
        }
      }
    }
    return acc;
  }

  year(y: number): YearYtd {
    let entry = this.years.get(y);
    if (!entry) {
      entry = { basicPaid: ZERO, admissions: 0, layers: new Map() };
      this.years.set(y, entry);
    }
    return entry;
  }

  layer(y: number, id: string): LayerYtd {
    const year = this.year(y);
    let entry = year.layers.get(id);
    if (!entry) {
      entry = { paid: ZERO, base: ZERO };
      year.layers.set(id, entry);
    }
    return entry;
  }

  /** Paid so far this year by a layer, the basic fund included under its id. */
  paid(y: number, id: string): Money {
    return id === BASIC_LAYER_ID ? this.year(y).basicPaid : this.layer(y, id).paid;
  }

  toJson(): YtdJson {
    const out: YtdJson = {};
    for (const [year, y] of [...this.years.entries()].sort((a, b) => a[0] - b[0])) {
      const layers: Record<string, LayerAccumulator> = {
        [BASIC_LAYER_ID]: { paid: formatAmount(y.basicPaid), admissions: y.admissions },
      };
      for (const [id, l] of [...y.layers.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
        layers[id] = { paid: formatAmount(l.paid), base: formatAmount(l.base) };
      }
      out[String(year)] = layers;
    }
    return out;
  }
}

export interface Movement {
  year: number;
  layer: string;
  paid: Money;
  base: Money;
  admissions: number;
}

/** What a settlement moved: after − before per year and layer; layers that did not move are left out. */
export function movements(before: YtdJson, after: YtdJson): Movement[] {
  const out: Movement[] = [];
  for (const [year, layers] of Object.entries(after)) {
    for (const [layer, a] of Object.entries(layers)) {
      const b = before[year]?.[layer] ?? {};
      const paid = new Decimal(a.paid ?? '0').minus(b.paid ?? '0');
      const base = new Decimal(a.base ?? '0').minus(b.base ?? '0');
      const admissions = (a.admissions ?? 0) - (b.admissions ?? 0);
      if (paid.isZero() && base.isZero() && admissions === 0) continue;
      out.push({ year: Number(year), layer, paid, base, admissions });
    }
  }
  return out;
}
