// The deploy steps' side effects in the daemon: builds, hooks and release commands as child processes (each in its
// own process group, killed when the deploy is interrupted), backups through the backup controller, and service
// switches through the supervisor and the edge. Used by the one executor (src/deploy/run-deploy.ts).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { toCommand } from '../config/normalize-stack.js';
import type { ResolvedCommand, ResolvedService, ResolvedStack } from '../config/resolved-stack.js';
import { copyBuildOutputs } from '../deploy/build-outputs.js';
import { releaseAppDir } from '../deploy/rebase-stack.js';
import type { ActionResult, DeployActions, SwitchAction } from '../deploy/run-deploy.js';
import { runCommand } from '../exec/run-command.js';
import { toArgv } from '../exec/spawn-process.js';
import { buildInstanceEnv } from '../supervisor/instance-env.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import type { BackupController } from './backup-controller.js';
import type { EdgeController } from './edge-controller.js';
import { switchService, unswitchService, watchVerifyWindow } from './deploy-switch.js';

export interface DeployActionsOptions {
  readonly supervisor: Supervisor;
  readonly edge: EdgeController | null;
  readonly backups: BackupController | null;
  readonly releasesDir: string;
  /** The release deployed (new, or the rollback target). */
  readonly release: string;
  readonly oldStack: ResolvedStack;
  readonly newStack: ResolvedStack;
  readonly baseEnv: Readonly<Record<string, string | undefined>>;
  readonly record: () => Promise<ActionResult>;
  readonly commandTimeoutMs?: number;
}

const COMMAND_TIMEOUT_MS = 30 * 60_000;
const TAIL_LINES = 20;

/** The last lines of a command's output, for a failure report. */
export function tailLines(text: string, count = TAIL_LINES): string[] {
  return text.split('\n').map((line) => line.trimEnd()).filter((line) => line !== '').slice(-count);
}

export function createDeployActions(options: DeployActionsOptions): DeployActions {
  const { supervisor, newStack } = options;
  const serviceOf = (name: string): ResolvedService | undefined => newStack.services[name];

  // Commands run with the NEW code (cwd in the new release) and the NEW env, late values from the running stack.
  const runIn = async (what: string, command: ResolvedCommand, cwd: string, env: Readonly<Record<string, string | undefined>>, signal: AbortSignal): Promise<ActionResult> => {
    // Recorded in .berth/run while it runs, like every command the daemon runs (exec/child-records.ts).
    const result = await runCommand({ argv: toArgv(command), cwd, env, timeoutMs: options.commandTimeoutMs ?? COMMAND_TIMEOUT_MS, signal });
    if (result.code === 0) return { ok: true };
    const why = result.aborted === true ? 'interrupted' : result.timedOut ? 'timed out' : result.error ?? `exited with code ${String(result.code)}`;
    return { ok: false, detail: `${what} ${why}`, logs: tailLines(result.output) };
  };
  const serviceEnv = (service: ResolvedService): Record<string, string> =>
    buildInstanceEnv({ base: options.baseEnv, stackName: newStack.name, service, instance: 0, port: null, lookup: (target, attr) => supervisor.lookup(target, attr) }).env;

  return {
    build: (name, signal) => {
      const service = serviceOf(name);
      if (service?.build === null || service === undefined) return Promise.resolve({ ok: false, detail: `${name} has no build` });
      return runIn('build command', service.build.command, service.cwd, serviceEnv(service), signal);
    },
    reuseBuild: (name, from) => {
      if (!existsSync(releaseAppDir(options.releasesDir, from))) return Promise.resolve({ ok: false, detail: `release ${from}, whose build output was to be reused, is gone` });
      try {
        const copied = copyBuildOutputs(join(options.releasesDir, from), join(options.releasesDir, options.release));
        return Promise.resolve({ ok: true, result: 'reused', detail: `${String(copied.length)} output path(s) of ${name}'s build copied from ${from}` });
      } catch (error) {
        return Promise.resolve({ ok: false, detail: `copying the build output of ${from}: ${error instanceof Error ? error.message : String(error)}` });
      }
    },
    hook: (phase, index, signal) => {
      const command = newStack.deploy.hooks[phase][index];
      if (command === undefined) return Promise.resolve({ ok: false, detail: `no deploy.hooks.${phase}[${String(index)}]` });
      return runIn(`deploy.hooks.${phase}[${String(index)}]`, toCommand(command), releaseAppDir(options.releasesDir, options.release), { ...options.baseEnv, ...newStack.env, BERTH_RELEASE: options.release }, signal);
    },
    backup: async (name) => {
      if (options.backups === null) return { ok: false, detail: `${name} cannot be backed up (no backup source)` };
      const record = await options.backups.run(name, 'deploy');
      return record.state === 'verified' ? { ok: true, detail: `backup ${record.id} verified` } : { ok: false, detail: `backup ${record.id} ${record.state}: ${record.reason ?? 'no reason recorded'}` };
    },
    release: (name, signal) => {
      const service = serviceOf(name);
      if (service?.release === null || service === undefined) return Promise.resolve({ ok: false, detail: `${name} has no release command` });
      return runIn('release command', service.release, service.cwd, { ...serviceEnv(service), BERTH_RELEASE: options.release }, signal);
    },
    enterServicePhase: () => {
      supervisor.replaceStack(newStack);
    },
    switchService: (name, action: SwitchAction) => switchService({ supervisor, edge: options.edge }, name, action),
    stopService: async (name) => {
      await supervisor.remove(name);
      await options.edge?.refresh();
      return { ok: true };
    },
    verify: (windowMs, services, signal) => watchVerifyWindow(supervisor, services, windowMs, signal),
    enterRollback: () => {
      supervisor.replaceStack(options.oldStack);
    },
    revertService: (name, action) => unswitchService({ supervisor, edge: options.edge }, name, action),
    record: () => options.record(),
  };
}
