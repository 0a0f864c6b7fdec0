/**
 * Pre-settlement (试算): enter the person and the bill, F5 computes the split
 * from the installed rules and shows every fund, the cash part and the trace.
 * Keyboard-first: Enter moves to the next field, F5 previews.
 */
import { useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { bridge } from './bridge.js';
import type { RuleVersionSummary } from '../shared/ipc/contract.js';
import type { SettlementResult } from '../shared/engine/result.js';
import type { ErrorBody } from '../shared/errors.js';

const SCHEME_LABELS: Record<string, string> = { employee: '职工医保', resident: '城乡居民医保' };
const FIELD_LABELS: Record<string, string> = {
  hifp_pay: '基本医疗保险统筹基金',
  hifob_pay: '职工大额医疗费用补助',
  hifmi_pay: '大病保险',
  hifes_pay: '补充医疗保险',
  maf_pay: '医疗救助',
  cvlserv_pay: '公务员医疗补助',
  oth_pay: '其他',
};

interface Form {
  region: string;
  scheme: string;
  retired: boolean;
  assistance: boolean;
  enrolled: Record<string, boolean>;
  level: string;
  admission: string;
  discharge: string;
  medfee: string;
  fulamt: string;
  overlmt: string;
  preself: string;
  basicPaid: string;
  admissions: string;
}

const initialForm: Form = {
  region: '',
  scheme: '',
  retired: false,
  assistance: false,
  enrolled: {},
  level: '3',
  admission: '',
  discharge: '',
  medfee: '',
  fulamt: '0.00',
  overlmt: '0.00',
  preself: '0.00',
  basicPaid: '0.00',
  admissions: '0',
};

/** Which input shows an engine error about a request field. */
const ERROR_TARGET: [RegExp, keyof Form][] = [
  [/^costs\[\d+\]\.medfee_sumamt$|^costs\[\d+\]$|^costs$/, 'medfee'],
  [/^costs\[\d+\]\.fulamt_ownpay_amt$/, 'fulamt'],
  [/^costs\[\d+\]\.overlmt_selfpay$/, 'overlmt'],
  [/^costs\[\d+\]\.preselfpay_amt$/, 'preself'],
  [/^costs\[\d+\]\.date$|^discharge_date$/, 'discharge'],
  [/^admission_date$/, 'admission'],
  [/^ytd\.\d+\.basic\.paid$/, 'basicPaid'],
  [/^ytd\.\d+\.basic\.admissions$/, 'admissions'],
  [/^insured\.scheme$/, 'scheme'],
  [/^region$/, 'region'],
];

function moveOnEnter(e: KeyboardEvent<HTMLElement>): void {
  if (e.key !== 'Enter' || e.target instanceof HTMLButtonElement) return;
  e.preventDefault();
  const fields = [...document.querySelectorAll<HTMLElement>('[data-field]')].filter((el) => !(el as HTMLInputElement).disabled);
  const i = fields.indexOf(e.target as HTMLElement);
  const next = fields[i + 1] ?? document.getElementById('preview');
  next?.focus();
  // Typing replaces what the next field holds, as cashiers expect.
  if (next instanceof HTMLInputElement && next.type !== 'checkbox' && next.type !== 'date') next.select();
}

export function PreviewScreen() {
  const [rules, setRules] = useState<RuleVersionSummary[]>([]);
  const [form, setForm] = useState<Form>(initialForm);
  const [result, setResult] = useState<SettlementResult | null>(null);
  const [error, setError] = useState<{ code: string; field: string; message: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = useRef<() => void>(() => undefined);

  useEffect(() => {
    void bridge.invoke('rules.list', {}).then((r) => {
      if (!r.ok) return setError(r.error);
      setRules(r.value);
      const first = r.value[0];
      if (first) setForm((f) => ({ ...f, region: first.region, scheme: first.schemes[0] ?? '' }));
    });
  }, []);

  const version = useMemo(() => rules.find((r) => r.region === form.region), [rules, form.region]);
  const regions = useMemo(() => [...new Map(rules.map((r) => [r.region, r.region_name])).entries()], [rules]);
  const enrolmentLayers = (version?.layers ?? []).filter((l) => l.enrolment !== null && l.schemes.includes(form.scheme as 'employee'));

  const set = <K extends keyof Form>(key: K, value: Form[K]) => setForm((f) => ({ ...f, [key]: value }));

  const request = () => {
    const year = (form.discharge || form.admission).slice(0, 4);
    const enrolled = Object.fromEntries(enrolmentLayers.map((l) => [l.id, form.enrolled[l.id] === true]));
    return {
      region: form.region,
      insured: { scheme: form.scheme, retired: form.scheme === 'employee' && form.retired, medical_assistance: form.assistance, enrolled },
      hospital_level: Number(form.level),
      admission_date: form.admission,
      discharge_date: form.discharge,
      costs: [{ date: form.discharge, medfee_sumamt: form.medfee.trim(), fulamt_ownpay_amt: form.fulamt.trim(), overlmt_selfpay: form.overlmt.trim(), preselfpay_amt: form.preself.trim() }],
      ytd: /^\d{4}$/.test(year) ? { [year]: { basic: { paid: form.basicPaid.trim(), admissions: Number(form.admissions) } } } : {},
    };
  };

  submit.current = () => {
    setBusy(true);
    setError(null);
    void bridge.invoke('settlement.preview', { request: request() }).then((r) => {
      setBusy(false);
      if (r.ok) setResult(r.value);
      else {
        setResult(null);
        setError(r.error);
      }
    });
  };

  useEffect(() => {
    const onKey = (e: globalThis.KeyboardEvent) => {
      if (e.key === 'F5') {
        e.preventDefault();
        submit.current();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const errorAt = error ? ERROR_TARGET.find(([re]) => re.test(error.field))?.[1] : undefined;
  const cls = (key: keyof Form) => (errorAt === key ? 'invalid' : undefined);
  const amount = (key: 'medfee' | 'fulamt' | 'overlmt' | 'preself' | 'basicPaid', label: string) => (
    <label>
      {label}
      <input data-field={key} className={`amount ${cls(key) ?? ''}`} inputMode="decimal" value={form[key]} onChange={(e) => set(key, e.target.value)} aria-invalid={errorAt === key} />
    </label>
  );

  return (
    <div className="screen" onKeyDown={moveOnEnter}>
      <header className="bar">
        <h1>出院结算 · 试算</h1>
        <span className="rules">{version ? `规则 ${version.region_name} ${version.version}${version.uses_sample_values ? '（含样例参数）' : ''}` : '规则加载中…'}</span>
        <span className="keys">Enter 下一项 · F5 试算</span>
      </header>
      <main className="columns">
        <section className="form" aria-label="结算信息">
          <fieldset>
            <legend>参保人</legend>
            <label>
              统筹区
              <select data-field="region" className={cls('region')} value={form.region} onChange={(e) => setForm((f) => ({ ...f, region: e.target.value, scheme: rules.find((r) => r.region === e.target.value)?.schemes[0] ?? '', enrolled: {} }))}>
                {regions.map(([id, name]) => (
                  <option key={id} value={id}>
                    {name}
                  </option>
                ))}
              </select>
            </label>
            <label>
              险种
              <select data-field="scheme" className={cls('scheme')} value={form.scheme} onChange={(e) => set('scheme', e.target.value)}>
                {(version?.schemes ?? []).map((s) => (
                  <option key={s} value={s}>
                    {SCHEME_LABELS[s] ?? s}
                  </option>
                ))}
              </select>
            </label>
            <label className="check">
              <input data-field="retired" type="checkbox" disabled={form.scheme !== 'employee'} checked={form.retired} onChange={(e) => set('retired', e.target.checked)} />
              退休
            </label>
            <label className="check">
              <input data-field="assistance" type="checkbox" checked={form.assistance} onChange={(e) => set('assistance', e.target.checked)} />
              医疗救助对象
            </label>
            {enrolmentLayers.map((l) => (
              <label className="check" key={l.id} title={l.enrolment ?? ''}>
                <input data-field={`enrolled.${l.id}`} type="checkbox" checked={form.enrolled[l.id] === true} onChange={(e) => set('enrolled', { ...form.enrolled, [l.id]: e.target.checked })} />
                {l.name}：已参保/已缴费
              </label>
            ))}
          </fieldset>
          <fieldset>
            <legend>住院</legend>
            <label>
              医院等级
              <select data-field="level" value={form.level} onChange={(e) => set('level', e.target.value)}>
                <option value="1">一级</option>
                <option value="2">二级</option>
                <option value="3">三级</option>
              </select>
            </label>
            <label>
              入院日期
              <input data-field="admission" className={cls('admission')} type="date" value={form.admission} onChange={(e) => set('admission', e.target.value)} />
            </label>
            <label>
              出院日期
              <input data-field="discharge" className={cls('discharge')} type="date" value={form.discharge} onChange={(e) => set('discharge', e.target.value)} />
            </label>
          </fieldset>
          <fieldset>
            <legend>费用（元）</legend>
            {amount('medfee', '医疗费总额')}
            {amount('fulamt', '全自费')}
            {amount('overlmt', '超限价自费')}
            {amount('preself', '先行自付')}
          </fieldset>
          <fieldset>
            <legend>本年累计（出院年度）</legend>
            {amount('basicPaid', '统筹基金已支付')}
            <label>
              本年已住院次数
              <input data-field="admissions" className={`amount ${cls('admissions') ?? ''}`} inputMode="numeric" value={form.admissions} onChange={(e) => set('admissions', e.target.value)} />
            </label>
          </fieldset>
          <button id="preview" type="button" disabled={busy} onClick={() => submit.current()}>
            {busy ? '计算中…' : '试算 (F5)'}
          </button>
          {error && <ErrorBox error={error} />}
        </section>
        <section className="result" aria-label="试算结果">{result ? <ResultView result={result} /> : <p className="hint">填写后按 F5 试算</p>}</section>
      </main>
    </div>
  );
}

function ErrorBox({ error }: { error: Pick<ErrorBody, 'field' | 'message'> }) {
  return (
    <div className="error" role="alert">
      {error.field && <code>{error.field}</code>} {error.message}
    </div>
  );
}

function ResultView({ result }: { result: SettlementResult }) {
  return (
    <div>
      <div className="cash">
        <span>个人现金支付</span>
        <strong data-testid="psn_cash_pay">{result.psn_cash_pay}</strong>
      </div>
      <table className="funds">
        <tbody>
          <tr>
            <th>医疗费总额</th>
            <td data-testid="medfee_sumamt">{result.medfee_sumamt}</td>
          </tr>
          <tr>
            <th>政策范围内费用</th>
            <td data-testid="inscp_scp_amt">{result.inscp_scp_amt}</td>
          </tr>
          <tr>
            <th>实际支付起付线</th>
            <td data-testid="act_pay_dedc">{result.act_pay_dedc}</td>
          </tr>
          {result.fund_details.map((f) => (
            <tr key={f.layer}>
              <th>
                {f.name} <small>{FIELD_LABELS[f.field] && f.field}</small>
              </th>
              <td data-testid={`fund-${f.layer}`}>{f.amount}</td>
            </tr>
          ))}
          <tr className="total">
            <th>基金支付合计</th>
            <td data-testid="fund_pay_sumamt">{result.fund_pay_sumamt}</td>
          </tr>
        </tbody>
      </table>
      {result.parts.some((p) => p.uses_sample_values) && <p className="sample">注意：本次计算使用了样例参数（非医保部门发布值），以医保部门下发的规则为准。</p>}
      <h2>计算过程</h2>
      <ol className="trace">
        {result.trace.map((t, i) => (
          <li key={i}>
            <span>{t.text}</span>
            {t.article && <em>{t.article}</em>}
          </li>
        ))}
      </ol>
    </div>
  );
}
