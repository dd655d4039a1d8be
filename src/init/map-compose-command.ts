// A compose service's command: `entrypoint` + `command`, falling back to the Dockerfile's ENTRYPOINT and CMD
// the way Docker combines them.
import { convertCommandVariables } from './convert-compose-variables.js';
import type { DockerfileCommand } from './parse-dockerfile-command.js';
import { splitShellWords } from './split-shell-words.js';

type Command = string | readonly string[];

interface Part {
  readonly value: Command;
  /** Compose strings are split into words (exec form); Dockerfile strings run with `/bin/sh -c`. */
  readonly from: 'compose' | 'dockerfile';
}

export interface MappedCommand {
  readonly command: string | string[] | undefined;
  readonly comment?: string | undefined;
}

/** The command of a compose service, or undefined when neither compose nor the Dockerfile gives one. */
export function mapComposeCommand(service: { readonly command?: unknown; readonly entrypoint?: unknown }, dockerfile: DockerfileCommand | undefined): MappedCommand {
  const composeCommand = readCommand(service.command);
  const composeEntrypoint = readCommand(service.entrypoint);
  const entrypoint = pick(composeEntrypoint, dockerfile?.entrypoint);
  // Setting `entrypoint` in compose drops the image's CMD, as `docker run --entrypoint` does.
  const command = pick(composeCommand, composeEntrypoint === undefined ? dockerfile?.cmd : undefined);
  const combined = combine(entrypoint, command);
  if (combined === undefined) return { command: undefined };
  const sources = [entrypoint, command].filter((p): p is Part => p !== undefined && !isEmpty(p.value));
  const fromDockerfile = sources.filter((p) => p.from === 'dockerfile').length;
  const comment = fromDockerfile === 0 ? (entrypoint !== undefined && !isEmpty(entrypoint.value) && command !== undefined ? 'compose entrypoint + command' : undefined) : `from ${describeParts(entrypoint, command)}`;
  return { command: combined, comment };
}

function readCommand(value: unknown): Command | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((v): v is string | number => typeof v === 'string' || typeof v === 'number')) return value.map(String);
  return undefined;
}

function pick(compose: Command | undefined, dockerfile: Command | undefined): Part | undefined {
  if (compose !== undefined) return { value: convertCommandVariables(compose), from: 'compose' };
  return dockerfile === undefined ? undefined : { value: escapeForShell(dockerfile), from: 'dockerfile' };
}

// A Dockerfile's `${VAR}` is expanded by the shell in the container, never by compose: `$${VAR}` keeps it so.
function escapeForShell(command: Command): Command {
  const escape = (text: string) => text.replace(/\$(\$?)\{/g, (whole, doubled: string) => (doubled === '' ? '$${' : whole));
  return typeof command === 'string' ? escape(command) : command.map(escape);
}

function isEmpty(command: Command): boolean {
  return typeof command === 'string' ? command.trim() === '' : command.length === 0;
}

function combine(entrypoint: Part | undefined, command: Part | undefined): string | string[] | undefined {
  const cmd = command === undefined || isEmpty(command.value) ? undefined : command;
  if (entrypoint === undefined || isEmpty(entrypoint.value)) return cmd === undefined ? undefined : toOutput(cmd.value);
  // A shell-form ENTRYPOINT ignores CMD.
  if (typeof entrypoint.value === 'string' && entrypoint.from === 'dockerfile') return entrypoint.value;
  const head = typeof entrypoint.value === 'string' ? splitShellWords(entrypoint.value) : [...entrypoint.value];
  if (cmd === undefined) return head ?? toOutput(entrypoint.value);
  const tail = typeof cmd.value !== 'string' ? [...cmd.value] : cmd.from === 'dockerfile' ? ['/bin/sh', '-c', cmd.value] : splitShellWords(cmd.value);
  if (head !== undefined && tail !== undefined) return [...head, ...tail];
  return `${joinWords(entrypoint.value)} ${joinWords(cmd.value)}`;
}

function toOutput(command: Command): string | string[] {
  return typeof command === 'string' ? command : [...command];
}

function joinWords(command: Command): string {
  return typeof command === 'string' ? command : command.map((w) => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`)).join(' ');
}

function describeParts(entrypoint: Part | undefined, command: Part | undefined): string {
  const parts: string[] = [];
  if (entrypoint !== undefined && !isEmpty(entrypoint.value)) parts.push(entrypoint.from === 'dockerfile' ? 'Dockerfile ENTRYPOINT' : 'compose entrypoint');
  if (command !== undefined && !isEmpty(command.value)) parts.push(command.from === 'dockerfile' ? 'Dockerfile CMD' : 'compose command');
  return parts.join(' + ');
}
