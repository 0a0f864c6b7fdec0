/**
 * The window's dictionaries: English has exactly Chinese's keys, the same
 * {{variables}} in every text, no Chinese left over (except where the English
 * window must show Chinese on purpose), no empty text; and i18next renders
 * them as the screens expect (`count` without plural keys, no HTML escaping).
 */
import { describe, expect, it } from 'vitest';
import i18next from 'i18next';
import { zh } from '../renderer/i18n/zh.js';
import { en } from '../renderer/i18n/en.js';

type Tree = { readonly [key: string]: string | Tree };

/** Every text as "screen.key" → text. */
function flatten(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'string') out.set(path, value);
    else for (const [k, v] of flatten(value, path)) out.set(k, v);
  }
  return out;
}

/** The {{variables}} a text uses (with any ", format" part dropped). */
function placeholders(text: string): string[] {
  return [...new Set([...text.matchAll(/\{\{\s*([^}]+?)\s*\}\}/g)].map((m) => m[1]!.split(',')[0]!.trim()))].sort();
}

/** Ideographs, CJK punctuation (，。：（）) and full-width forms. */
const CJK = /[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]/;

/** English texts that are Chinese on purpose: the toggle names the language it switches to, in that language. */
const CHINESE_IN_ENGLISH = new Set(['lang.toggle']);

/** Problems between a source dictionary and a translation; empty when they agree. */
function compare(source: Map<string, string>, translation: Map<string, string>): string[] {
  const problems: string[] = [];
  for (const key of source.keys()) if (!translation.has(key)) problems.push(`missing: ${key}`);
  for (const key of translation.keys()) if (!source.has(key)) problems.push(`extra: ${key}`);
  for (const [key, text] of translation) {
    const original = source.get(key);
    if (original === undefined) continue;
    const a = placeholders(original).join(',');
    const b = placeholders(text).join(',');
    if (a !== b) problems.push(`placeholders of ${key}: {${a}} vs {${b}}`);
  }
  return problems;
}

const zhTexts = flatten(zh);
const enTexts = flatten(en);

describe('the window dictionaries', () => {
  it('have texts at all', () => {
    expect(zhTexts.size).toBeGreaterThan(150);
    expect(zhTexts.get('tabs.settle')).toBe('出院结算');
    expect(enTexts.get('tabs.settle')).toBe('Discharge settlement');
  });

  it('English has exactly the Chinese keys, each with the same {{placeholders}}', () => {
    expect(compare(zhTexts, enTexts)).toEqual([]);
  });

  it('the comparison catches a missing key, an extra key and a lost placeholder', () => {
    const broken = new Map(enTexts);
    broken.delete('tabs.day');
    broken.set('tabs.extra', 'Extra');
    broken.set('statusbar.queued', 'To upload: {{n}}');
    expect(compare(zhTexts, broken)).toEqual([
      'missing: tabs.day',
      'extra: tabs.extra',
      'placeholders of statusbar.queued: {count} vs {n}',
    ]);
  });

  it('no English text contains Chinese, except the deliberate ones', () => {
    const leftovers = [...enTexts].filter(([key, text]) => CJK.test(text) && !CHINESE_IN_ENGLISH.has(key));
    expect(leftovers).toEqual([]);
    for (const key of CHINESE_IN_ENGLISH) expect(enTexts.get(key)).toMatch(CJK);
    expect(CJK.test('（')).toBe(true);
  });

  it('no text is empty or only spaces', () => {
    for (const [lang, texts] of [
      ['zh', zhTexts],
      ['en', enTexts],
    ] as const) {
      const empty = [...texts].filter(([, text]) => text.trim() === '').map(([key]) => `${lang}:${key}`);
      expect(empty).toEqual([]);
    }
  });

  it('every {{placeholder}} is well formed (no single braces left over)', () => {
    for (const texts of [zhTexts, enTexts]) {
      for (const [key, text] of texts) expect(text.replace(/\{\{[^{}]+\}\}/g, ''), key).not.toMatch(/[{}]/);
    }
  });
});

describe('i18next with these dictionaries', () => {
  const make = async (lng: 'zh' | 'en') => {
    const i18n = i18next.createInstance();
    await i18n.init({
      resources: { zh: { translation: zh }, en: { translation: en } },
      lng,
      fallbackLng: 'zh',
      interpolation: { escapeValue: false },
    });
    return (key: string, options?: Record<string, unknown>) =>
      i18n.t(key as never, options as never) as unknown as string;
  };

  it('fills counts without plural keys, as the e2e tests read them', async () => {
    expect((await make('zh'))('statusbar.queued', { count: 3 })).toBe('待上传 3');
    expect((await make('en'))('statusbar.queued', { count: 1 })).toBe('To upload: 1');
    expect((await make('en'))('slip.headingReprint', { count: 2 })).toBe('Reprint no. 2 (PDF archived)');
  });

  it('does not HTML-escape values (React does)', async () => {
    expect((await make('en'))('settle.importFailed', { file: 'a&b.csv', problem: '"x"' })).toBe(
      'Could not import a&b.csv: "x"',
    );
  });
});
