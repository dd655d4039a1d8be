// A small glob matcher for `build.inputs` and `.berthignore` (Node 20 has no fs.glob, and a deploy needs no more):
// `**` any number of folders, `*` any run of characters but `/`, `?` one such character, `[abc]` / `[!a-z]` a class.
// Paths are relative, `/`-separated; a pattern with no glob character names a file or a whole folder.

const GLOB_CHARS = /[*?[]/;

/** The RegExp source for one glob pattern (anchored at both ends by the caller). */
function translate(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i += 1) {
    const char = pattern.charAt(i);
    if (char === '*') {
      if (pattern[i + 1] === '*') {
        const atStart = i === 0 || pattern[i - 1] === '/';
        const next = pattern[i + 2];
        if (atStart && next === '/') {
          out += '(?:.*/)?'; // `**/` : zero or more folders
          i += 2;
        } else if (atStart && next === undefined) {
          out += '.*'; // trailing `**`: everything below
          i += 1;
        } else {
          out += '[^/]*'; // `a**b` is just `a*b`, as in git
          i += 1;
        }
      } else out += '[^/]*';
    } else if (char === '?') out += '[^/]';
    else if (char === '[') {
      const close = pattern.indexOf(']', i + 2);
      if (close < 0) out += '\\[';
      else {
        let body = pattern.slice(i + 1, close);
        if (body.startsWith('!')) body = `^${body.slice(1)}`;
        out += `[${body.replace(/\\/g, '\\\\')}]`;
        i = close;
      }
    } else if (char === '\\' && i + 1 < pattern.length) {
      out += pattern.charAt(i + 1).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
      i += 1;
    } else out += char.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return out;
}

/** Normalizes a pattern: `./` and leading `/` dropped, trailing `/` dropped (a folder matches what is under it). */
function normalizePattern(pattern: string): string {
  let p = pattern.trim();
  while (p.startsWith('./')) p = p.slice(2);
  p = p.replace(/^\/+/, '').replace(/\/+$/, '');
  return p;
}

/** The exact RegExp of a glob (no folder rule): `**` / `*` / `?` / classes as described above. */
export function globToRegExp(pattern: string): RegExp {
  return new RegExp(`^${translate(normalizePattern(pattern))}$`);
}

/**
 * Compiles a glob into a predicate over relative paths. The pattern matches a path itself or any path under a
 * folder it matches, so `src`, `src/` and `src/**` all select everything in src.
 */
export function compileGlob(pattern: string): (path: string) => boolean {
  const normalized = normalizePattern(pattern);
  if (normalized === '' || normalized === '.') return () => true;
  const regex = new RegExp(`^${translate(normalized)}(?:/.*)?$`);
  if (!GLOB_CHARS.test(normalized)) return (path) => path === normalized || path.startsWith(`${normalized}/`);
  return (path) => regex.test(path);
}

/**
 * Matches paths against a list of globs in order; a `!pattern` takes back what an earlier pattern selected.
 * Returns the predicate: true when the last pattern that matches is not negated.
 */
export function compileGlobList(patterns: readonly string[]): (path: string) => boolean {
  const compiled = patterns
    .filter((p) => p.trim() !== '')
    .map((p) => (p.startsWith('!') ? { negate: true, test: compileGlob(p.slice(1)) } : { negate: false, test: compileGlob(p) }));
  return (path) => {
    let selected = false;
    for (const { negate, test } of compiled) if (selected === negate && test(path)) selected = !negate;
    return selected;
  };
}
