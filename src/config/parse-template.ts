// Parses interpolation templates: `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?message}`,
// `${services.NAME.port|url}` and `$$`. A bare `$NAME` is left alone for the shell at run time.

export type TemplatePart =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'var'; readonly name: string; readonly op: '' | ':-' | '-' | ':?' | '?'; readonly arg: readonly TemplatePart[]; readonly argText: string; readonly offset: number; readonly source: string }
  | { readonly kind: 'ref'; readonly service: string; readonly attr: string; readonly offset: number; readonly source: string };

export type ParseTemplateResult = { readonly ok: true; readonly parts: readonly TemplatePart[] } | { readonly ok: false; readonly offset: number; readonly text: string };

const VAR_HEAD = /^([A-Za-z_][A-Za-z0-9_]*)(:-|-|:\?|\?)?/;
const REF = /^services\.([^.}]+)\.([^.}]+)$/;
const MAX_NESTING = 8;

/** Splits a string into literal text, variables and service references; `base` shifts offsets of a nested default. */
export function parseTemplate(input: string, depth = 0, base = 0): ParseTemplateResult {
  const parts: TemplatePart[] = [];
  let text = '';
  let i = 0;
  while (i < input.length) {
    if (input[i] !== '$') {
      const next = input.indexOf('$', i);
      const stop = next < 0 ? input.length : next;
      text += input.slice(i, stop);
      i = stop;
      continue;
    }
    if (input[i + 1] === '$') {
      text += '$';
      i += 2;
      continue;
    }
    if (input[i + 1] !== '{') {
      text += '$';
      i += 1;
      continue;
    }
    const end = findClose(input, i + 2);
    if (end < 0 || depth > MAX_NESTING) return { ok: false, offset: base + i, text: input.slice(i, i + 40) };
    const inner = input.slice(i + 2, end);
    const source = input.slice(i, end + 1);
    if (text !== '') parts.push({ kind: 'text', text });
    text = '';
    const ref = REF.exec(inner);
    if (ref !== null) {
      parts.push({ kind: 'ref', service: ref[1] ?? '', attr: ref[2] ?? '', offset: base + i, source });
    } else {
      const head = VAR_HEAD.exec(inner);
      if (head === null) return { ok: false, offset: base + i, text: source.slice(0, 40) };
      const op = (head[2] ?? '') as '' | ':-' | '-' | ':?' | '?';
      const argText = inner.slice(head[0].length);
      if (op === '' && argText !== '') return { ok: false, offset: base + i, text: source.slice(0, 40) };
      const arg = op === ':-' || op === '-' ? parseTemplate(argText, depth + 1, base + i + 2 + head[0].length) : { ok: true as const, parts: [{ kind: 'text' as const, text: argText }] };
      if (!arg.ok) return arg;
      parts.push({ kind: 'var', name: head[1] ?? '', op, arg: arg.parts, argText, offset: base + i, source });
    }
    i = end + 1;
  }
  if (text !== '') parts.push({ kind: 'text', text });
  return { ok: true, parts };
}

// Finds the `}` closing a `${`, skipping nested `${...}` in defaults.
function findClose(input: string, from: number): number {
  let nesting = 0;
  for (let i = from; i < input.length; i += 1) {
    if (input[i] === '$' && input[i + 1] === '{') {
      nesting += 1;
      i += 1;
    } else if (input[i] === '}') {
      if (nesting === 0) return i;
      nesting -= 1;
    }
  }
  return -1;
}

/** True when the string contains anything to interpolate (a `$`). */
export function hasTemplate(input: string): boolean {
  return input.includes('$');
}
