// What `berth deploy` and `berth rollback` share once the stack is loaded: take the deploy lock, hand the daemon
// the request, print its progress as it streams, print the summary, release the lock. Ctrl-C asks the daemon to
// interrupt (it reverts what it changed, so the old version serves) and waits for that; a second Ctrl-C leaves at
// once (the daemon still finishes reverting on its own). The lock is released on every way out.
import { hostname } from 'node:os';
import { callApi, streamApi } from '../client/api-client.js';
import type { ResolvedStack } from '../config/resolved-stack.js';
import { encodeStack } from '../daemon/stack-handoff.js';
import type { DeployMessage } from '../daemon/deploy-controller.js';
import { acquireDeployLock, currentUser, deployLockPath, releaseDeployLock, type DeployLock } from '../deploy/deploy-lock.js';
import { getStatePaths } from '../daemon/state-paths.js';
import { getCatalogEntry, isErrorCode } from '../errors/catalog.js';
import { BerthError, createDiagnostic } from '../errors/diagnostic.js';
import { formatDeployStep, formatDeploySummary } from './format-deploy-summary.js';
import { EXIT, useColor, type CliIo } from './io.js';
import { printApiError } from './print-api-error.js';
import { printDiagnostics } from './print-diagnostics.js';

export interface DeploySessionInput {
  readonly kind: 'deploy' | 'rollback';
  readonly stack: ResolvedStack;
  readonly configFiles: readonly string[];
  readonly ref: string | null;
  readonly target: string | null;
  readonly json: boolean;
}

function whoAmI(): string {
  return `${currentUser()}@${hostname()} pid ${String(process.pid)}`;
}

/** Runs one deploy or rollback against the running daemon; returns the exit code. */
export async function runDeploySession(io: CliIo, input: DeploySessionInput): Promise<number> {
  const paths = getStatePaths(input.stack.file);
  const what = input.kind === 'rollback' ? 'rollback' : 'deploy';
  const status = await callApi(paths.socket, 'GET', '/v1/status', 5000);
  if (!status.ok) {
    printDiagnostics(io, [createDiagnostic('BERTH_E_DEPLOY_NO_DAEMON', { params: { file: input.stack.file, reason: status.error } })], new Map());
    return EXIT.failed;
  }
  let lock: DeployLock;
  try {
    const taken = acquireDeployLock(deployLockPath(paths.stateDir));
    lock = taken.lock;
    if (taken.warnings.length > 0) printDiagnostics(io, taken.warnings, new Map());
  } catch (error) {
    if (!(error instanceof BerthError)) throw error;
    printDiagnostics(io, error.diagnostics, new Map());
    return EXIT.failed;
  }
  const color = useColor(io);
  let done: Extract<DeployMessage, { type: 'done' }> | null = null;
  let failure: Extract<DeployMessage, { type: 'error' }> | null = null;
  let interrupts = 0;
  const body = JSON.stringify({ kind: input.kind, stack: encodeStack(input.stack), configFiles: input.configFiles, ref: input.ref, target: input.target, holder: whoAmI() });
  const stream = streamApi(paths.socket, '/v1/deploy', body, (value) => {
    const message = value as DeployMessage;
    if (message.type === 'done') done = message;
    else if (message.type === 'error') failure = message;
    else if (!input.json) {
      const line = message.type === 'plan' ? planLine(message) : formatDeployStep(message.progress, color);
      if (line !== null) io.stdout(line);
    }
  });
  const onInterrupt = (): void => {
    interrupts += 1;
    if (interrupts === 1) {
      io.stderr(`berth ${what}: interrupting; what changed is being reverted (Ctrl-C again to leave now)`);
      void callApi(paths.socket, 'POST', '/v1/deploy/cancel', 5000);
      return;
    }
    releaseDeployLock(lock);
    stream.abort();
    process.exit(130);
  };
  process.on('SIGINT', onInterrupt);
  process.on('SIGTERM', onInterrupt);
  try {
    const answer = await stream.done;
    if (!answer.ok) {
      io.stderr(`berth ${what}: lost the daemon (${answer.error}); see \`berth releases\` for how it ended`);
      return EXIT.failed;
    }
    return report(io, what, input.json, answer.status, answer.body, done, failure, color);
  } finally {
    process.off('SIGINT', onInterrupt);
    process.off('SIGTERM', onInterrupt);
    releaseDeployLock(lock);
  }
}

function planLine(message: Extract<DeployMessage, { type: 'plan' }>): string | null {
  if (!message.plan.changed) return null; // the summary says "nothing to deploy"
  const warnings = message.warnings.map((w) => `warning: ${w}`);
  return [...warnings, `${message.release === null ? '' : `release ${message.release}: `}${message.plan.summary}`].join('\n');
}

function report(io: CliIo, what: string, json: boolean, status: number, body: unknown, done: Extract<DeployMessage, { type: 'done' }> | null, failure: Extract<DeployMessage, { type: 'error' }> | null, color: boolean): number {
  if (status !== 200) {
    printApiError(io, what, body);
    return EXIT.failed;
  }
  if (json) io.stdout(JSON.stringify(done ?? failure, null, 2));
  if (failure !== null) {
    // The daemon sends the code and the message; the hint is the catalog's (those of deploy errors take no values).
    const hint = isErrorCode(failure.code) && !/\{/.test(getCatalogEntry(failure.code).hint) ? `\n  hint: ${getCatalogEntry(failure.code).hint}` : '';
    if (!json) io.stderr(`berth ${what}: ${failure.code}: ${failure.message}${hint}`);
    return failure.code === 'BERTH_E_ROLLBACK_TARGET' ? EXIT.badInput : EXIT.failed;
  }
  if (done === null) {
    io.stderr(`berth ${what}: the daemon ended the answer without a result; see \`berth releases\``);
    return EXIT.failed;
  }
  if (!json) io.stdout(formatDeploySummary(done, color));
  if (done.outcome === 'succeeded' || done.outcome === 'unchanged') return EXIT.ok;
  if (!json) {
    const diagnostic = createDiagnostic('BERTH_E_DEPLOY_FAILED', { params: { what: what === 'rollback' ? 'the rollback' : 'the deploy', outcome: done.outcome.replace('_', ' '), reason: done.reason ?? '' } });
    printDiagnostics(io, [diagnostic], new Map());
  }
  return EXIT.failed;
}
