// `.berthignore`: what a release leaves out, written like `.gitignore` (the subset that matters for a deploy):
// `#` comments, `!` to take a path back, a trailing `/` for folders only, a `/` inside a pattern anchors it to the
// stack folder, otherwise it matches a name at any depth; `*`, `?`, `**` and `[...]` as in git. As in git, a file
// inside an ignored folder cannot be taken back.
import { globToRegExp } from './match-glob.js';

interface IgnoreRule {
  readonly negate: boolean;
  readonly folderOnly: boolean;
  readonly regex: RegExp;
}

/** Parses the text of an ignore file into rules. */
function parseIgnoreRules(text: string): IgnoreRule[] {
  const rules: IgnoreRule[] = [];
  for (const raw of text.split(/\r?\n/)) {
    let line = raw.replace(/(?<!\\)\s+$/, '');
    if (line === '' || line.startsWith('#')) continue;
    const negate = line.startsWith('!');
    if (negate) line = line.slice(1);
    if (line.startsWith('\\#') || line.startsWith('\\!')) line = line.slice(1);
    const folderOnly = line.endsWith('/');
    line = line.replace(/\/+$/, '');
    if (line === '') continue;
    const anchored = line.includes('/');
    const pattern = anchored ? line.replace(/^\/+/, '') : `**/${line}`;
    rules.push({ negate, folderOnly, regex: globToRegExp(pattern) });
  }
  return rules;
}

/** The verdict of the rules for one path: true ignored, false taken back, undefined no rule matched. */
function judge(rules: readonly IgnoreRule[], path: string, isFolder: boolean): boolean | undefined {
  let verdict: boolean | undefined;
  for (const rule of rules) {
    if (rule.folderOnly && !isFolder) continue;
    if (rule.regex.test(path)) verdict = !rule.negate;
  }
  return verdict;
}

export interface IgnoreMatcher {
  /** True when the file (a relative path) is left out, itself or through a folder above it. */
  readonly ignoresFile: (file: string) => boolean;
  /** True when the folder and so everything in it is left out. */
  readonly ignoresFolder: (folder: string) => boolean;
}

/** Compiles the text of an ignore file. */
export function compileIgnoreFile(text: string): IgnoreMatcher {
  const rules = parseIgnoreRules(text);
  if (rules.length === 0) return { ignoresFile: () => false, ignoresFolder: () => false };
  const folders = new Map<string, boolean>();
  const ignoresFolder = (folder: string): boolean => {
    const known = folders.get(folder);
    if (known !== undefined) return known;
    const slash = folder.lastIndexOf('/');
    const result = (slash > 0 && ignoresFolder(folder.slice(0, slash))) || judge(rules, folder, true) === true;
    folders.set(folder, result);
    return result;
  };
  const ignoresFile = (file: string): boolean => {
    const slash = file.lastIndexOf('/');
    if (slash > 0 && ignoresFolder(file.slice(0, slash))) return true;
    return judge(rules, file, false) === true;
  };
  return { ignoresFile, ignoresFolder };
}
