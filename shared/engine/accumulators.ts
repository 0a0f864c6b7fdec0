/**
 * Year-to-date accumulators (docs/settlement-model.md#inputs): per calendar year, the basic
 * fund paid and the number of earlier admissions, and per layer the amount paid
 * and the cumulative base of its banded part. Missing values are zero.
 * In the engine the amounts are fen (shared/engine/exact.ts); `movements`, for
 * the store and the insurer, stays on decimal.js Money.
 */
import { Decimal, type Money } from '../money.js';
import { fen, parseSignedFen } from './exact.js';
import { BASIC_LAYER_ID } from '../rules/schema.js';
import type { LayerAccumulator } from './request.js';

/** Fen. */
export interface LayerYtd {
  paid: number;
  base: number;
}

export interface YearYtd {
  /** Fen. */
  basicPaid: number;
  admissions: number;
  layers: Map<string, LayerYtd>;
}

export type YtdJson = Record<string, Record<string, LayerAccumulator>>;

/** A missing value is zero; a total below zero (from the store's ledger) is kept as it is, as before. */
const amount = (s: string | undefined): number => (s === undefined ? 0 : parseSignedFen(s));

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
      entry = { basicPaid: 0, admissions: 0, layers: new Map() };
      this.years.set(y, entry);
    }
    return entry;
  }

  layer(y: number, id: string): LayerYtd {
    const year = this.year(y);
    let entry = year.layers.get(id);
    if (!entry) {
      entry = { paid: 0, base: 0 };
      year.layers.set(id, entry);
    }
    return entry;
  }

  /** Paid so far this year by a layer, the basic fund included under its id. */
  paid(y: number, id: string): number {
    return id === BASIC_LAYER_ID ? this.year(y).basicPaid : this.layer(y, id).paid;
  }

  toJson(): YtdJson {
    const out: YtdJson = {};
    for (const [year, y] of [...this.years.entries()].sort((a, b) => a[0] - b[0])) {
      const layers: Record<string, LayerAccumulator> = {
        [BASIC_LAYER_ID]: { paid: fen(y.basicPaid), admissions: y.admissions },
      };
      for (const [id, l] of [...y.layers.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
        layers[id] = { paid: fen(l.paid), base: fen(l.base) };
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
