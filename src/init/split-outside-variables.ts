// Splits compose short syntax (`host:container`, `source:target:mode`) on a separator, except inside `${...}`.

/** The parts of `text` between `separator`s that are not inside a `${...}` variable. */
export function splitOutsideVariables(text: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (let i = 0; i < text.length; i += 1) {
    const ch = text.charAt(i);
    if (ch === '$' && text.charAt(i + 1) === '{') {
      depth += 1;
      current += '${';
      i += 1;
    } else if (ch === '}' && depth > 0) {
      depth -= 1;
      current += ch;
    } else if (ch === separator && depth === 0) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts;
}
