// First start of a postgres recipe: `initdb` with scram-sha-256 for every connection and a superuser password
// that only Berth knows (kept under .berth/secrets/).
import { chownSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCommand } from '../exec/run-command.js';
import type { SystemUser } from './unprivileged-user.js';

export interface InitSpec {
  readonly binDir: string;
  readonly dataDir: string;
  /** A folder only the server's user can read; the password file lives there for the length of initdb. */
  readonly socketDir: string;
  readonly password: string;
  readonly user: SystemUser | undefined;
}

/** The initdb argv (pure, for tests). */
export function buildInitdbArgs(spec: Pick<InitSpec, 'binDir' | 'dataDir'>, passwordFile: string, locale: string): [string, ...string[]] {
  return [join(spec.binDir, 'initdb'), '-D', spec.dataDir, '--username=postgres', `--pwfile=${passwordFile}`, '--auth-local=scram-sha-256', '--auth-host=scram-sha-256', '--encoding=UTF8', `--locale=${locale}`, '--no-instructions'];
}

/** Runs initdb; on failure initdb itself removes what it wrote, so the folder is as it was. */
export async function initPostgresCluster(spec: InitSpec): Promise<{ ok: boolean; output: string }> {
  const passwordFile = join(spec.socketDir, 'initdb.pw');
  writeFileSync(passwordFile, `${spec.password}\n`, { mode: 0o600 });
  if (spec.user !== undefined) chownSync(passwordFile, spec.user.uid, spec.user.gid);
  try {
    let last = { ok: false, output: '' };
    // C.UTF-8 sorts and classifies Unicode; systems without it still have C.
    for (const locale of ['C.UTF-8', 'C']) {
      const result = await runCommand({ argv: buildInitdbArgs(spec, passwordFile, locale), env: { PATH: '/usr/bin:/bin', LANG: 'C' }, timeoutMs: 180_000, ...(spec.user === undefined ? {} : { user: spec.user }) });
      last = { ok: result.code === 0, output: summarize(result.error ?? result.output) };
      if (last.ok || !/locale/i.test(result.output)) return last;
    }
    return last;
  } finally {
    rmSync(passwordFile, { force: true });
  }
}

function summarize(output: string): string {
  const lines = output.trim().split('\n').filter((line) => line.trim() !== '');
  return lines.slice(-4).join(' / ') || 'no output';
}
