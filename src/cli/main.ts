// The `berth` command line: dispatches to one module per command.
import { runCheck, CHECK_HELP } from './commands/check.js';
import { runConfig, CONFIG_HELP } from './commands/config.js';
import { runInit, INIT_HELP } from './commands/init.js';
import { runStartup, STARTUP_HELP } from './commands/startup.js';
import { runUp, UP_HELP } from './commands/up.js';
import { runDaemon, DAEMON_HELP } from './commands/daemon.js';
import { runLogs, LOGS_HELP } from './commands/logs.js';
import { runEvents, EVENTS_HELP } from './commands/events.js';
import { runExec, EXEC_HELP } from './commands/exec.js';
import { createServiceCommand, DOWN_HELP, runDown, runStatus, runWait, SERVICE_HELP, STATUS_HELP, WAIT_HELP } from './commands/control.js';
import { createDiagnostic } from '../errors/diagnostic.js';
import { describeChoices } from '../shared/suggest.js';
import { createProcessIo, EXIT, type CliIo } from './io.js';
import { printDiagnostics } from './load-for-cli.js';

type Command = (args: readonly string[], io: CliIo) => number | Promise<number>;

export const COMMANDS: Readonly<Record<string, { run: Command; help: string; summary: string }>> = {
  init: { run: runInit, help: INIT_HELP, summary: 'write a berth.yml for the project in this folder' },
  check: { run: runCheck, help: CHECK_HELP, summary: 'validate and lint berth.yml (exit 2 on errors)' },
  config: { run: runConfig, help: CONFIG_HELP, summary: 'print the resolved stack, secrets redacted' },
  up: { run: runUp, help: UP_HELP, summary: 'start the stack in dependency order (-d: in the background)' },
  down: { run: runDown, help: DOWN_HELP, summary: 'stop everything, dependents first' },
  status: { run: runStatus, help: STATUS_HELP, summary: 'one row an instance: state, pid, uptime, restarts, readiness' },
  logs: { run: runLogs, help: LOGS_HELP, summary: 'show or follow the services\' output' },
  events: { run: runEvents, help: EVENTS_HELP, summary: 'what happened: state changes, crash loops, restarts, daemon starts' },
  exec: { run: runExec, help: EXEC_HELP, summary: 'run a command with a service\'s environment and working folder' },
  start: { run: createServiceCommand('start'), help: SERVICE_HELP('start'), summary: 'start services (and what they depend on)' },
  stop: { run: createServiceCommand('stop'), help: SERVICE_HELP('stop'), summary: 'stop services' },
  restart: { run: createServiceCommand('restart'), help: SERVICE_HELP('restart'), summary: 'restart services' },
  wait: { run: runWait, help: WAIT_HELP, summary: 'block until every service is ready' },
  daemon: { run: runDaemon, help: DAEMON_HELP, summary: 'the background daemon (started by `berth up -d`)' },
  startup: { run: runStartup, help: STARTUP_HELP, summary: 'install a systemd unit that runs the stack at boot' },
};

export const MAIN_HELP = `berth: run a whole application stack on one server and keep it up.

Usage: berth <command> [options]

Commands:
${Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(8)} ${c.summary}`).join('\n')}

Run \`berth <command> --help\` for a command's options.`;

/** Runs the CLI and returns the exit code. */
export async function main(argv: readonly string[], io: CliIo = createProcessIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(MAIN_HELP);
    return name === undefined ? EXIT.badInput : EXIT.ok;
  }
  if (name === '--version' || name === '-v') {
    io.stdout('berth 0.1.0');
    return EXIT.ok;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    const hint = describeChoices(name, Object.keys(COMMANDS), 'command');
    printDiagnostics(io, [createDiagnostic('BERTH_E_USAGE', { params: { reason: `unknown command \`${name}\`; ${hint}`, command: '' }, expected: 'a command', found: `\`${name}\`` })], new Map());
    return EXIT.badInput;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    const reason = error instanceof Error ? (error.stack ?? error.message) : String(error);
    printDiagnostics(io, [createDiagnostic('BERTH_E_INTERNAL', { params: { reason } })], new Map());
    return EXIT.failed;
  }
}
