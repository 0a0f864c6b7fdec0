/**
 * HTML for printed documents, built from templates whose interpolations are
 * escaped unless explicitly marked trusted: a patient called "<b>王</b>" is
 * printed as those characters, never as markup.
 */
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export class Trusted {
  constructor(readonly markup: string) {}
}

/** Marks markup produced by our own code (templates, the QR code's SVG) as safe to insert. */
export function trusted(markup: string): Trusted {
  return new Trusted(markup);
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

type Value = string | number | Trusted | null | undefined | false | readonly Value[];

function render(v: Value): string {
  if (v === null || v === undefined || v === false) return '';
  if (v instanceof Trusted) return v.markup;
  if (Array.isArray(v)) return v.map(render).join('');
  return escapeHtml(String(v));
}

/** Tagged template: html`<td>${name}</td>` escapes `name`. */
export function html(strings: TemplateStringsArray, ...values: Value[]): Trusted {
  let out = strings[0]!;
  values.forEach((v, i) => {
    out += render(v) + strings[i + 1]!;
  });
  return new Trusted(out);
}
