// Finds `redis-server`: in `bin_dir:` when the stack sets one, else on PATH.
import { isExecutable } from '../shared/is-executable.js';
import { delimiter, join } from 'node:path';

export type FindRedisResult = { readonly ok: true; readonly file: string } | { readonly ok: false; readonly reason: string };

/** The first runnable `redis-server` in `binDir` (when set) or on `path`. */
export function findRedisServer(binDir: string | null, path: string | undefined): FindRedisResult {
  if (binDir !== null) {
    const file = join(binDir, 'redis-server');
    return isExecutable(file) ? { ok: true, file } : { ok: false, reason: `\`bin_dir: ${binDir}\` holds no runnable \`redis-server\`` };
  }
  for (const dir of (path ?? '').split(delimiter)) {
    if (dir !== '' && isExecutable(join(dir, 'redis-server'))) return { ok: true, file: join(dir, 'redis-server') };
  }
  return { ok: false, reason: 'no `redis-server` on PATH' };
}
