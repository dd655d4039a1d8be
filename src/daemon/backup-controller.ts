// The daemon's side of backups: cron schedules (a schedule missed while the daemon was down runs once when the
// service is ready again), one backup of a service at a time, the catalog in state.db, the off-site copy and
// retention after each verified backup, events, and `berth restore` (safety backup, dependents stopped, restore,
// everything started again in order).
import { join } from 'node:path';
import { Cron } from 'croner';
import type { ResolvedStack } from '../config/resolved-stack.js';
import { BackupCatalog, failInterrupted } from '../backup/backup-catalog.js';
import type { BackupRecord, BackupTrigger } from '../backup/backup-types.js';
import { copyOffsite } from '../backup/offsite.js';
import { dropLeftoverScratchDatabases } from '../backup/postgres-backup.js';
import { applyRetention, planRetention } from '../backup/retention.js';
import { restoreBackup } from '../backup/restore-backup.js';
import { removeInterruptedFiles, runBackup } from '../backup/run-backup.js';
import type { Logger } from '../shared/logger.js';
import type { NewEvent } from '../state/event-store.js';
import { openStateDb, stateDbPath, type StateDb } from '../state/open-state-db.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import { waitServicesReady } from '../supervisor/wait-services-ready.js';
import { canBackUp, listBackupServices, makeBackupId, resolveBackupSource } from './backup-sources.js';
import { listDependents } from './list-dependents.js';

export interface BackupControllerOptions {
  readonly stack: ResolvedStack;
  readonly supervisor: Supervisor;
  readonly stateDir: string;
  readonly logger: Logger;
  readonly record: (event: NewEvent) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
}

export type RestoreResult =
  | { readonly ok: true; readonly restored: string; readonly safety: string | null; readonly restarted: readonly string[]; readonly into: string | null }
  | { readonly ok: false; readonly code: 'BERTH_E_BACKUP_NOT_FOUND' | 'BERTH_E_RESTORE_SAFETY' | 'BERTH_E_RESTORE_FAILED'; readonly reason: string };

/** How long a missed backup waits for its service to be ready. */
const MISSED_WAIT_MS = 10 * 60_000;
/** How long a restore waits for the services it started again. */
const READY_AFTER_RESTORE_MS = 120_000;

export class BackupController {
  readonly #options: BackupControllerOptions;
  readonly #db: StateDb;
  readonly #catalog: BackupCatalog;
  readonly #running = new Map<string, Promise<BackupRecord>>();
  readonly #crons: Cron[] = [];
  /** Per postgres service, the start-up removal of scratch databases a killed daemon left; backups wait for it. */
  readonly #cleanups = new Map<string, Promise<void>>();
  /** Services being restored: no retention runs for them meanwhile. */
  readonly #restoring = new Set<string>();
  #stopped = false;

  constructor(options: BackupControllerOptions) {
    this.#options = options;
    this.#db = openStateDb(stateDbPath(options.stateDir));
    this.#catalog = new BackupCatalog(this.#db);
    for (const record of failInterrupted(this.#catalog, Date.now())) options.logger.warn('backup interrupted by a daemon stop', { id: record.id, service: record.service });
  }

  /** Starts the schedules; a schedule whose last occurrence passed without a backup runs once, when ready. */
  start(): void {
    // A daemon killed mid-backup left Berth's own `.partial` files; their rows were marked failed above.
    for (const name of listBackupServices(this.#options.stack)) {
      void removeInterruptedFiles(join(this.#options.stateDir, 'backups', name)).then((removed) => {
        if (removed.length > 0) this.#options.logger.info('removed files of interrupted backups', { service: name, removed });
      }, () => undefined);
    }
    for (const service of Object.values(this.#options.stack.services)) {
      if (service.recipe === 'postgres') this.#cleanups.set(service.name, this.#dropScratch(service.name));
    }
    for (const service of Object.values(this.#options.stack.services)) {
      const schedule = service.backup?.schedule;
      if (schedule === undefined || !canBackUp(service)) continue;
      const cron = new Cron(schedule, { protect: true }, () => {
        void this.run(service.name, 'schedule');
      });
      this.#crons.push(cron);
      const previous = cron.previousRuns(1)[0];
      const last = this.#catalog.lastStarted(service.name);
      if (previous !== undefined && (last === null || last.startedAt < previous.getTime())) void this.#runWhenReady(service.name);
    }
  }

  #waitReady(name: string): Promise<boolean> {
    const deadline = Date.now() + MISSED_WAIT_MS;
    return waitServicesReady((service) => this.#options.supervisor.progress(service), [name], () => !this.#stopped && Date.now() <= deadline);
  }

  // A daemon killed during a verification leaves its scratch database behind; dropped once the server is up,
  // before any backup of it starts (a backup's own scratch database must never be taken for a leftover).
  async #dropScratch(name: string): Promise<void> {
    const { stack, stateDir, supervisor, logger } = this.#options;
    const service = stack.services[name];
    if (service === undefined || !(await this.#waitReady(name))) return;
    const port = Number(supervisor.lookup(name, 'port') ?? Number.NaN);
    const source = resolveBackupSource(stack, service, stateDir, Number.isNaN(port) ? null : port, this.#options.env.PATH);
    if (!source.ok || source.source.kind !== 'postgres') return;
    try {
      const dropped = await dropLeftoverScratchDatabases(source.source);
      if (dropped.length > 0) logger.info('dropped scratch databases of interrupted verifications', { service: name, dropped });
    } catch (error) {
      logger.warn('could not look for leftover scratch databases', { service: name, reason: error instanceof Error ? error.message : String(error) });
    }
  }

  async #runWhenReady(name: string): Promise<void> {
    await this.#waitReady(name);
    if (!this.#stopped) await this.run(name, 'missed');
  }

  /** Backs a service up now; a backup of it already running is awaited instead of starting a second one. */
  run(name: string, trigger: BackupTrigger): Promise<BackupRecord> {
    const running = this.#running.get(name);
    if (running !== undefined) return running;
    const job = this.#run(name, trigger).finally(() => this.#running.delete(name));
    this.#running.set(name, job);
    return job;
  }

  async #run(name: string, trigger: BackupTrigger): Promise<BackupRecord> {
    await this.#cleanups.get(name);
    const { stack, stateDir, supervisor, logger, record } = this.#options;
    const service = stack.services[name];
    const started = Date.now();
    const id = makeBackupId(name, started, (candidate) => this.#catalog.get(candidate) !== null);
    const dir = join(stateDir, 'backups', name);
    const port = Number(supervisor.lookup(name, 'port') ?? Number.NaN);
    const source = service === undefined ? { ok: false as const, reason: `no service ${name}` } : resolveBackupSource(stack, service, stateDir, Number.isNaN(port) ? null : port, this.#options.env.PATH);
    if (!source.ok) {
      const failed: BackupRecord = { id, service: name, kind: service?.recipe === 'redis' ? 'redis' : service?.recipe === 'postgres' ? 'postgres' : 'files', state: 'failed', trigger, startedAt: started, finishedAt: Date.now(), file: join(dir, id), size: null, sha256: null, serverVersion: null, encrypted: false, verification: null, reason: source.reason, offsite: null };
      this.#save(failed);
      return failed;
    }
    const encryptKey = service?.backup?.encrypt_key;
    let result = await runBackup({
      id, service: name, trigger, source: source.source, dir, encryptKeyFile: encryptKey === undefined ? null : join(stack.root, encryptKey),
      onUpdate: (update) => { this.#save(update); },
    });
    const offsite = service?.backup?.offsite;
    if (result.state === 'verified' && offsite !== undefined) {
      const copy = await copyOffsite(result, offsite, { env: this.#options.env });
      result = { ...result, offsite: copy };
      this.#catalog.save(result);
      if (copy.state === 'failed') {
        logger.warn('off-site copy failed', { id, remote: copy.remote, reason: copy.reason });
        record({ time: Date.now(), type: 'backup_offsite_failed', service: name, payload: { id, remote: copy.remote, reason: copy.reason } });
      }
    }
    // Why not after a safety backup or during a restore: restic-style buckets keep the newest backup of a day, so
    // the safety copy of the broken data would push out the very backup being restored.
    if (result.state === 'verified' && trigger !== 'restore' && !this.#restoring.has(name) && service?.backup !== null && service?.backup !== undefined) this.#prune(name, service.backup.keep);
    return result;
  }

  #save(update: BackupRecord): void {
    this.#catalog.save(update);
    if (update.state === 'running') return;
    const { logger, record } = this.#options;
    const payload = { id: update.id, kind: update.kind, trigger: update.trigger, size: update.size, file: update.file, reason: update.reason, ms: update.finishedAt === null ? null : update.finishedAt - update.startedAt };
    if (update.state === 'verified') logger.info('backup verified', payload);
    else logger.error('backup failed', payload);
    record({ time: Date.now(), type: update.state === 'verified' ? 'backup_verified' : 'backup_failed', service: update.service, payload });
  }

  #prune(name: string, keep: NonNullable<NonNullable<ResolvedStack['services'][string]>['backup']>['keep']): void {
    const plan = planRetention(this.#catalog.list({ service: name }), keep, Date.now());
    if (plan.remove.length === 0) return;
    const applied = applyRetention(plan, this.#catalog);
    this.#options.logger.info('retention applied', { service: name, removed: applied.removed, errors: applied.errors });
  }

  /** The catalog, newest first. */
  list(service?: string): BackupRecord[] {
    return this.#catalog.list(service === undefined ? {} : { service });
  }

  /** Services that can be backed up. */
  services(): string[] {
    return listBackupServices(this.#options.stack);
  }

  /** Restores a verified backup (the newest when none is named): over the live data, or beside it (`into`). */
  async restore(name: string, backupId: string | null, into: string | null, takeSafety: boolean): Promise<RestoreResult> {
    this.#restoring.add(name);
    try {
      return await this.#restore(name, backupId, into, takeSafety);
    } finally {
      this.#restoring.delete(name);
    }
  }

  async #restore(name: string, backupId: string | null, into: string | null, takeSafety: boolean): Promise<RestoreResult> {
    const { stack, supervisor, stateDir, logger, record: recordEvent } = this.#options;
    const service = stack.services[name];
    const chosen = backupId === null ? this.#catalog.newestVerified(name) : this.#catalog.get(backupId);
    if (service === undefined || chosen?.service !== name || chosen.state !== 'verified') {
      return { ok: false, code: 'BERTH_E_BACKUP_NOT_FOUND', reason: backupId === null ? `${name} has no verified backup` : `no verified backup ${backupId} of ${name}` };
    }
    const encryptKey = service.backup?.encrypt_key;
    const options = { encryptKeyFile: encryptKey === undefined ? null : join(stack.root, encryptKey) };
    const port = Number(supervisor.lookup(name, 'port') ?? Number.NaN);
    const source = resolveBackupSource(stack, service, stateDir, Number.isNaN(port) ? null : port, this.#options.env.PATH);
    if (!source.ok) return { ok: false, code: 'BERTH_E_RESTORE_FAILED', reason: source.reason };
    if (into !== null) {
      if (source.source.kind !== 'postgres') return { ok: false, code: 'BERTH_E_RESTORE_FAILED', reason: '--to restores beside the live data for postgres services only' };
      try {
        await restoreBackup(chosen, { ...source.source, database: into, create: true }, options);
      } catch (error) {
        return { ok: false, code: 'BERTH_E_RESTORE_FAILED', reason: error instanceof Error ? error.message : String(error) };
      }
      recordEvent({ time: Date.now(), type: 'restore_done', service: name, payload: { backup: chosen.id, into } });
      return { ok: true, restored: chosen.id, safety: null, restarted: [], into };
    }
    const safety = takeSafety ? await this.run(name, 'restore') : null;
    if (safety !== null && safety.state !== 'verified') return { ok: false, code: 'BERTH_E_RESTORE_SAFETY', reason: `the safety backup of ${name} failed (${safety.reason ?? 'unknown'}); nothing was changed` };
    const dependents = listDependents(stack, name);
    const stopSelf = source.source.kind !== 'postgres';
    logger.info('restore: stopping', { service: name, dependents, self: stopSelf });
    await supervisor.stop(stopSelf ? [...dependents, name] : dependents);
    let failure: string | null = null;
    try {
      await restoreBackup(chosen, source.source.kind === 'postgres' ? { ...source.source, create: false } : source.source, options);
    } catch (error) {
      failure = error instanceof Error ? error.message : String(error);
    }
    // Started again whatever happened: a failed restore leaves the data as it was, and the stack running. The
    // report waits until they are ready again, so "restored" means the service answers with the restored data.
    await supervisor.up([name, ...dependents]);
    const ready = await supervisor.waitReady(READY_AFTER_RESTORE_MS);
    if (!ready.ok) logger.warn('restore: not every service is ready again', { failing: ready.failing.map((s) => `${s.service}.${String(s.instance)}`) });
    if (failure !== null) {
      recordEvent({ time: Date.now(), type: 'restore_failed', service: name, payload: { backup: chosen.id, reason: failure, safety: safety?.id ?? null } });
      return { ok: false, code: 'BERTH_E_RESTORE_FAILED', reason: failure };
    }
    recordEvent({ time: Date.now(), type: 'restore_done', service: name, payload: { backup: chosen.id, safety: safety?.id ?? null, restarted: dependents } });
    return { ok: true, restored: chosen.id, safety: safety?.id ?? null, restarted: dependents, into: null };
  }

  /** Stops the schedules; a backup in progress finishes first. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const cron of this.#crons) cron.stop();
    await Promise.allSettled([...this.#running.values()]);
    this.#db.close();
  }
}
