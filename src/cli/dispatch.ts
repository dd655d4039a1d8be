// The command table and the dispatcher. Each command's module is imported only when that command runs: the
// daemon and `berth status` never load the stack loader (zod, yaml) or `berth init`'s detectors. main.ts
// builds the full table (with every command's help text) for the docs and the tests.
import { createDiagnostic } from '../errors/diagnostic.js';
import { describeChoices } from '../shared/suggest.js';
import { EXIT, type CliIo } from './io.js';
import { printDiagnostics } from './print-diagnostics.js';

export type Command = (args: readonly string[], io: CliIo) => number | Promise<number>;

export interface LoadedCommand {
  readonly run: Command;
  readonly help: string;
}

export interface CommandEntry {
  readonly summary: string;
  /** Imports the command's module. */
  readonly load: () => Promise<LoadedCommand>;
}

const service = (verb: 'start' | 'stop' | 'restart') => async (): Promise<LoadedCommand> => {
  const m = await import('./commands/control.js');
  return { run: m.createServiceCommand(verb), help: m.SERVICE_HELP(verb) };
};

const shell = (recipe: 'postgres' | 'redis') => async (): Promise<LoadedCommand> => {
  const m = await import('./commands/shell.js');
  return { run: m.createShellCommand(recipe), help: m.SHELL_HELP(recipe) };
};

export const COMMAND_TABLE: Readonly<Record<string, CommandEntry>> = {
  init: { summary: 'write a berth.yml for the project in this folder', load: async () => {
    const m = await import('./commands/init.js');
    return { run: m.runInit, help: m.INIT_HELP };
  } },
  check: { summary: 'validate and lint berth.yml (exit 2 on errors)', load: async () => {
    const m = await import('./commands/check.js');
    return { run: m.runCheck, help: m.CHECK_HELP };
  } },
  config: { summary: 'print the resolved stack, secrets redacted', load: async () => {
    const m = await import('./commands/config.js');
    return { run: m.runConfig, help: m.CONFIG_HELP };
  } },
  up: { summary: 'start the stack in dependency order (-d: in the background)', load: async () => {
    const m = await import('./commands/up.js');
    return { run: m.runUp, help: m.UP_HELP };
  } },
  down: { summary: 'stop everything, dependents first', load: async () => {
    const m = await import('./commands/control.js');
    return { run: m.runDown, help: m.DOWN_HELP };
  } },
  status: { summary: 'one row an instance: state, pid, uptime, restarts, readiness', load: async () => {
    const m = await import('./commands/control.js');
    return { run: m.runStatus, help: m.STATUS_HELP };
  } },
  logs: { summary: 'show or follow the services\' output', load: async () => {
    const m = await import('./commands/logs.js');
    return { run: m.runLogs, help: m.LOGS_HELP };
  } },
  events: { summary: 'what happened: state changes, crash loops, restarts, daemon starts', load: async () => {
    const m = await import('./commands/events.js');
    return { run: m.runEvents, help: m.EVENTS_HELP };
  } },
  exec: { summary: 'run a command with a service\'s environment and working folder', load: async () => {
    const m = await import('./commands/exec.js');
    return { run: m.runExec, help: m.EXEC_HELP };
  } },
  start: { summary: 'start services (and what they depend on)', load: service('start') },
  stop: { summary: 'stop services', load: service('stop') },
  restart: { summary: 'restart services', load: service('restart') },
  backup: { summary: 'back services up now, each verified by restoring it', load: async () => {
    const m = await import('./commands/backup.js');
    return { run: m.runBackupNow, help: m.BACKUP_HELP };
  } },
  backups: { summary: 'list backups: state, size, verification, off-site copy', load: async () => {
    const m = await import('./commands/backup.js');
    return { run: m.runBackups, help: m.BACKUPS_HELP };
  } },
  restore: { summary: 'restore a verified backup (safety backup first, dependents stopped and started again)', load: async () => {
    const m = await import('./commands/backup.js');
    return { run: m.runRestore, help: m.RESTORE_HELP };
  } },
  deploy: { summary: 'ship a release with zero downtime (--plan: show what it would do)', load: async () => {
    const m = await import('./commands/deploy.js');
    return { run: m.runDeploy, help: m.DEPLOY_HELP };
  } },
  rollback: { summary: 'go back to a kept release (default: the previous one)', load: async () => {
    const m = await import('./commands/releases.js');
    return { run: m.runRollback, help: m.ROLLBACK_HELP };
  } },
  releases: { summary: 'the kept releases and the deploy history', load: async () => {
    const m = await import('./commands/releases.js');
    return { run: m.runReleases, help: m.RELEASES_HELP };
  } },
  alerts: { summary: 'alert channels, open incidents and the queue; `alerts test` tries every channel', load: async () => {
    const m = await import('./commands/alerts.js');
    return { run: m.runAlerts, help: m.ALERTS_HELP };
  } },
  jobs: { summary: 'the scheduled jobs; `jobs run NAME` starts one now', load: async () => {
    const m = await import('./commands/jobs.js');
    return { run: m.runJobs, help: m.JOBS_HELP };
  } },
  certs: { summary: 'the edge\'s TLS certificates; `certs renew HOST` renews one now', load: async () => {
    const m = await import('./commands/certs.js');
    return { run: m.runCerts, help: m.CERTS_HELP };
  } },
  maintenance: { summary: 'answer routed services with 503 and a plain page (on|off)', load: async () => {
    const m = await import('./commands/maintenance.js');
    return { run: m.runMaintenance, help: m.MAINTENANCE_HELP };
  } },
  wait: { summary: 'block until every service is ready', load: async () => {
    const m = await import('./commands/control.js');
    return { run: m.runWait, help: m.WAIT_HELP };
  } },
  daemon: { summary: 'the background daemon (started by `berth up -d`)', load: async () => {
    const m = await import('./commands/daemon.js');
    return { run: m.runDaemon, help: m.DAEMON_HELP };
  } },
  startup: { summary: 'install a systemd unit that runs the stack at boot', load: async () => {
    const m = await import('./commands/startup.js');
    return { run: m.runStartup, help: m.STARTUP_HELP };
  } },
  psql: { summary: 'open psql on a postgres recipe, logged in as its role', load: shell('postgres') },
  'redis-cli': { summary: 'open redis-cli on a redis recipe', load: shell('redis') },
};

export const MAIN_HELP = `berth: run a whole application stack on one server and keep it up.

Usage: berth <command> [options]

Commands:
${Object.entries(COMMAND_TABLE).map(([name, c]) => `  ${name.padEnd(8)} ${c.summary}`).join('\n')}

Run \`berth <command> --help\` for a command's options.`;

/** Runs the CLI and returns the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(MAIN_HELP);
    return name === undefined ? EXIT.badInput : EXIT.ok;
  }
  if (name === '--version' || name === '-v') {
    io.stdout('berth 0.1.0');
    return EXIT.ok;
  }
  const entry = Object.hasOwn(COMMAND_TABLE, name) ? COMMAND_TABLE[name] : undefined;
  if (entry === undefined) {
    const hint = describeChoices(name, Object.keys(COMMAND_TABLE), 'command');
    printDiagnostics(io, [createDiagnostic('BERTH_E_USAGE', { params: { reason: `unknown command \`${name}\`; ${hint}`, command: '' }, expected: 'a command', found: `\`${name}\`` })], new Map());
    return EXIT.badInput;
  }
  try {
    const command = await entry.load();
    return await command.run(rest, io);
  } catch (error) {
    const reason = error instanceof Error ? (error.stack ?? error.message) : String(error);
    printDiagnostics(io, [createDiagnostic('BERTH_E_INTERNAL', { params: { reason } })], new Map());
    return EXIT.failed;
  }
}
