// The daemon's core, used both by `berth up` in the foreground and by the background daemon:
// a supervisor for the stack and the control API on the stack's socket.
import { rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { startApiServer } from '../api/start-api-server.js';
import { daemonAnswers } from '../client/api-client.js';
import type { ResolvedStack } from '../config/resolved-stack.js';
import { setChildRecordDir } from '../exec/child-records.js';
import { createFileLogger, type Logger } from '../shared/logger.js';
import { openEventRecorder } from '../state/event-recorder.js';
import type { NewEvent } from '../state/event-store.js';
import { Supervisor } from '../supervisor/supervisor.js';
import type { AlertController } from './alert-controller.js';
import type { BackupController } from './backup-controller.js';
import type { DeployController } from './deploy-controller.js';
import type { EdgeController } from './edge-controller.js';
import type { JobController } from './job-controller.js';
import type { StatePaths } from './state-paths.js';

export interface DaemonOptions {
  readonly stack: ResolvedStack;
  readonly paths: StatePaths;
  readonly baseEnv: Readonly<Record<string, string | undefined>>;
  /** Services to start (with their dependencies); all when empty. */
  readonly services: readonly string[];
  /** Where the daemon logs (default: JSON lines appended to .berth/daemon.log). */
  readonly logger?: Logger;
}

export interface RunningDaemon {
  readonly supervisor: Supervisor;
  /** The edge, when something is routed. */
  readonly edge: EdgeController | null;
  /** Scheduled jobs, once the stack (or one a deploy made current) has any. */
  readonly jobs: JobController | null;
  /** Stops the stack in order, closes the socket; safe to call more than once. */
  readonly shutdown: () => Promise<void>;
  /** Resolves once shut down (by `shutdown` or the API's `down`). */
  readonly done: Promise<void>;
}

export type StartDaemonResult = { readonly ok: true; readonly daemon: RunningDaemon } | { readonly ok: false; readonly reason: string };

/** Starts the supervisor and API; refuses when another daemon already answers on the socket. */
export async function startDaemon(options: DaemonOptions): Promise<StartDaemonResult> {
  const { paths } = options;
  if (await daemonAnswers(paths.socket)) return { ok: false, reason: `a Berth daemon already runs this stack (socket ${paths.socket}); use \`berth status\` or \`berth down\`` };
  const logger = options.logger ?? createFileLogger(paths.daemonLog);
  // Backup tools, scratch servers and deploy builds are recorded beside the instances (exec/child-records.ts).
  setChildRecordDir(paths.runDir);
  // Before daemon.json is rewritten and old process records are reaped: they tell how the last daemon ended.
  // Services a deploy moved run from their release folders, also after a restart of the daemon.
  const { rebaseOnDeployState } = await import('../deploy/rebase-on-deploy-state.js');
  options = { ...options, stack: rebaseOnDeployState(options.stack, paths.stateDir, logger) };
  const recorder = await openEventRecorder({ stack: options.stack, stateDir: paths.stateDir, runDir: paths.runDir, logger, services: options.services });
  const supervisor = new Supervisor({ stack: options.stack, stateDir: paths.stateDir, baseEnv: options.baseEnv });
  supervisor.subscribe(recorder.record);
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (finish = resolve));
  let stopping: Promise<void> | null = null;
  let server: Server | null = null;
  const edge = await createEdge(options, supervisor, logger, recorder.append);
  const backups = await createBackups(options, supervisor, logger, recorder.append);
  // Runs missed while the daemon was down are made up at start: each job's last start is in the event log.
  const lastStarted = (job: string): number | null => recorder.store?.list({ service: job, types: ['job_started'], limit: 1 })[0]?.time ?? null;
  let jobs = await createJobs(options.stack, options, supervisor, logger, recorder.append, lastStarted);
  // A deploy or a rollback makes a new stack current: the jobs follow it, and the first jobs a deploy adds to a stack
  // that had none get their controller then.
  let jobsMade: Promise<void> | null = null;
  supervisor.watchStack((stack) => {
    if (jobs !== null) jobs.follow(stack);
    else if (Object.keys(stack.jobs).length > 0 && stopping === null) {
      jobsMade ??= createJobs(stack, options, supervisor, logger, recorder.append).then((made) => {
        if (made === null || stopping !== null) return;
        jobs = made;
        made.start();
        made.follow(supervisor.stack); // a newer stack may have come while the module loaded
      }).catch((error: unknown) => {
        logger.error('jobs are off: their controller could not be made', { error });
      });
    }
  });
  // Before the supervisor starts anything: the state events of this start are watched too (a service down too long).
  const alerts = await createAlerts(options, logger, recorder);
  // Made on the first deploy request: a daemon that is never deployed to never loads the deploy code.
  let deploys: Promise<DeployController> | null = null;
  const getDeploys = (): Promise<DeployController> => (deploys ??= createDeploys(options, supervisor, edge, backups, logger, recorder.append));
  const shutdown = (): Promise<void> => {
    stopping ??= (async () => {
      // Backups in progress finish; then the edge, which finishes the requests in flight while the services
      // behind it still run.
      await (deploys === null ? undefined : (await deploys).close());
      // Job runs are stopped (whole process groups) while the services they may talk to still run.
      await jobsMade;
      await jobs?.stop();
      await backups?.stop();
      await edge?.stop();
      await supervisor.down();
      await alerts?.stop();
      recorder.close();
      await new Promise<void>((resolve) => {
        if (server === null) resolve();
        else server.close(() => {
          resolve();
        });
        server?.closeAllConnections();
      });
      rmSync(paths.socket, { force: true });
      rmSync(join(paths.stateDir, 'daemon.json'), { force: true });
      finish();
    })();
    return stopping;
  };
  server = await startApiServer(paths.socket, { supervisor, shutdown, events: recorder.store, edge, backups, get jobs() { return jobs; }, deploys: getDeploys, alerts });
  writeFileSync(join(paths.stateDir, 'daemon.json'), JSON.stringify({ pid: process.pid, file: options.stack.file, started: Date.now() }), { mode: 0o600 });
  await supervisor.up(options.services);
  // After up(): it reaps the process groups a crashed daemon left, and a fresh edge's record must not be among
  // them. Not awaited: the services start while the edge process boots; its table follows them as they get
  // ready, and /v1/wait waits for it (EdgeController.settled).
  void edge?.start();
  backups?.start();
  // After up(), for the same reason: its reaping must not take a first run's group for a leftover.
  jobs?.start();
  return { ok: true, daemon: { supervisor, edge, get jobs() { return jobs; }, shutdown, done } };
}

async function createDeploys(options: DaemonOptions, supervisor: Supervisor, edge: EdgeController | null, backups: BackupController | null, logger: Logger, record: (event: NewEvent) => void): Promise<DeployController> {
  const { DeployController } = await import('./deploy-controller.js');
  return new DeployController({ supervisor, edge, backups, stateDir: options.paths.stateDir, logger, record, baseEnv: options.baseEnv });
}

// Imported only when `alerts:` lists a channel. Fed every recorded event, after redaction.
async function createAlerts(options: DaemonOptions, logger: Logger, recorder: Awaited<ReturnType<typeof openEventRecorder>>): Promise<AlertController | null> {
  if (options.stack.alerts.channels.length === 0) return null;
  try {
    const { AlertController } = await import('./alert-controller.js');
    const alerts = new AlertController({ stack: options.stack, stateDir: options.paths.stateDir, logger: logger.child({ part: 'alerts' }), record: recorder.append, env: options.baseEnv, previous: recorder.previous });
    recorder.subscribe(alerts.observe);
    alerts.start();
    return alerts;
  } catch (error) {
    logger.error('alerts are off: could not open their queue', { error });
    return null;
  }
}

// Imported only when something can be backed up.
async function createBackups(options: DaemonOptions, supervisor: Supervisor, logger: Logger, record: (event: NewEvent) => void): Promise<BackupController | null> {
  const { listBackupServices } = await import('./backup-sources.js');
  if (listBackupServices(options.stack).length === 0) return null;
  const { BackupController } = await import('./backup-controller.js');
  return new BackupController({ stack: options.stack, supervisor, stateDir: options.paths.stateDir, logger, record, env: options.baseEnv });
}

// Imported only when `jobs:` has any. `lastStarted` only at the daemon's start: jobs a deploy adds start afresh.
async function createJobs(stack: ResolvedStack, options: DaemonOptions, supervisor: Supervisor, logger: Logger, record: (event: NewEvent) => void, lastStarted?: (job: string) => number | null): Promise<JobController | null> {
  if (Object.keys(stack.jobs).length === 0) return null;
  const { JobController } = await import('./job-controller.js');
  return new JobController({ stack, supervisor, stateDir: options.paths.stateDir, logger: logger.child({ part: 'jobs' }), record, baseEnv: options.baseEnv, ...(lastStarted === undefined ? {} : { lastStarted }) });
}

// Imported only when something is routed, so a daemon without routes never loads the edge's modules.
async function createEdge(options: DaemonOptions, supervisor: Supervisor, logger: Logger, record: (event: NewEvent) => void): Promise<EdgeController | null> {
  // Decided before any import: the controller module brings the route table builder and the certificate code.
  const routed = options.stack.edge !== null && Object.values(options.stack.services).some((service) => service.routes.length > 0);
  if (!routed) return null;
  const { EdgeController } = await import('./edge-controller.js');
  const { startEdgeProcess } = await import('../edge/start-edge-process.js');
  return new EdgeController({ stack: options.stack, supervisor, stateDir: options.paths.stateDir, runDir: options.paths.runDir, logger, startEdge: startEdgeProcess, record, env: options.baseEnv });
}
