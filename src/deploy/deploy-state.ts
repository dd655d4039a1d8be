// What the last deploy shipped, per service: the hashes the next plan compares against. Kept for now in
// `.berth/deploy-state.json` (written whole, atomically); it moves into state.db with the deploy history once
// deploys execute (DESIGN: state.db holds releases and deploys).
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BerthError, createDiagnostic } from '../errors/diagnostic.js';

export interface DeployedService {
  /** Hashes as computeServiceHashes gave them when this service was last deployed. */
  readonly configHash: string;
  readonly codeHash: string | null;
  readonly buildHash: string | null;
  readonly releaseStepHash: string | null;
  /** The release whose build output this service runs (reused while its build hash is unchanged); null without a build. */
  readonly builtIn: string | null;
  /** The release folder its instances run from. */
  readonly release: string;
}

export interface DeployedJob {
  /** Hashes as computeJobHashes gave them when this job was last deployed. */
  readonly configHash: string;
  readonly partHashes: Readonly<Record<string, string>>;
  readonly codeHash: string | null;
  /** The release folder it runs from (when it runs from the app folder). */
  readonly release: string;
}

export interface DeployState {
  readonly version: 1;
  /** The release deployed last, and the one before it (rollback target); null before the first deploy. */
  readonly release: string | null;
  readonly previousRelease: string | null;
  readonly deployedAt: string | null;
  readonly services: Readonly<Record<string, DeployedService>>;
  /**
   * Per job, as for services. Absent in a state written before deploys recorded jobs: then what the daemon runs is
   * not known, and every job counts as changed (a deploy records them). Still version 1: an older Berth ignores it.
   */
  readonly jobs?: Readonly<Record<string, DeployedJob>>;
}

/** The state before any deploy: every service counts as new. */
export const EMPTY_DEPLOY_STATE: DeployState = { version: 1, release: null, previousRelease: null, deployedAt: null, services: {}, jobs: {} };

export function deployStatePath(stateDir: string): string {
  return join(stateDir, 'deploy-state.json');
}

const isRecord = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);
const isHash = (value: unknown): boolean => value === null || (typeof value === 'string' && /^[0-9a-f]{64}$/.test(value));

function checkState(value: unknown): string | null {
  if (!isRecord(value) || value.version !== 1) return 'not a version 1 deploy state';
  if (!isRecord(value.services)) return '`services` is not an object';
  for (const [name, service] of Object.entries(value.services)) {
    if (!isRecord(service)) return `services.${name} is not an object`;
    if (typeof service.configHash !== 'string' || !isHash(service.configHash) || !isHash(service.codeHash) || !isHash(service.buildHash) || !isHash(service.releaseStepHash)) return `services.${name} has a malformed hash`;
    if (typeof service.release !== 'string' || (service.builtIn !== null && typeof service.builtIn !== 'string')) return `services.${name} has a malformed release`;
  }
  if (value.jobs === undefined) return null;
  if (!isRecord(value.jobs)) return '`jobs` is not an object';
  for (const [name, job] of Object.entries(value.jobs)) {
    if (!isRecord(job)) return `jobs.${name} is not an object`;
    const parts = job.partHashes;
    if (typeof job.configHash !== 'string' || !isHash(job.configHash) || !isHash(job.codeHash) || !isRecord(parts) || !Object.values(parts).every((h) => typeof h === 'string' && isHash(h))) return `jobs.${name} has a malformed hash`;
    if (typeof job.release !== 'string') return `jobs.${name} has a malformed release`;
  }
  return null;
}

/** Reads the deploy state (EMPTY_DEPLOY_STATE when there is none yet). Throws BerthError when it is unreadable. */
export function readDeployState(file: string): DeployState {
  if (!existsSync(file)) return EMPTY_DEPLOY_STATE;
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new BerthError([createDiagnostic('BERTH_E_DEPLOY_STATE', { params: { file, reason: error instanceof Error ? error.message : String(error) } })]);
  }
  const problem = checkState(value);
  if (problem !== null) throw new BerthError([createDiagnostic('BERTH_E_DEPLOY_STATE', { params: { file, reason: problem } })]);
  return value as DeployState;
}

/** Writes the deploy state atomically (temp file, then rename). */
export function writeDeployState(file: string, state: DeployState): void {
  const temp = `${file}.${String(process.pid)}.tmp`;
  writeFileSync(temp, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(temp, file);
}
