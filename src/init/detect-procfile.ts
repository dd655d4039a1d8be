// Procfile: each `type: command` line becomes a service; `release:` is the web service's release command.
import { commentOnCommand, joinComments } from './comment-on-command.js';
import { createDraft, createDraftService, setField, type DraftService } from './init-draft.js';
import type { DetectResult } from './detect-result.js';
import { sanitizeName } from './sanitize-name.js';

const LINE = /^([A-Za-z0-9_.-]+)\s*:\s*(.*)$/;

/** Maps a Procfile (`text`) to a draft. A Procfile cannot fail to parse: lines Berth cannot read become notes. */
export function detectProcfile(text: string, file = 'Procfile'): DetectResult {
  const draft = createDraft([file]);
  let release: { command: string; line: number } | undefined;
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const match = LINE.exec(line);
    const type = match?.[1];
    const command = match?.[2]?.trim();
    if (type === undefined || command === undefined || command === '') {
      draft.notes.push(`${file} line ${String(index + 1)} is not \`type: command\` and was skipped: ${line}`);
      return;
    }
    if (type === 'release') {
      release = { command, line: index + 1 };
      return;
    }
    const name = sanitizeName(type);
    if (name === undefined) {
      draft.notes.push(`${file} process type ${type} has no usable Berth name and was skipped: ${command}`);
      return;
    }
    if (draft.services.some((s) => s.name === name)) {
      draft.notes.push(`${file} line ${String(index + 1)}: a second \`${type}\` was skipped (${command})`);
      return;
    }
    draft.services.push(createProcessService(name, type, command, file));
  });
  if (release !== undefined) attachRelease(draft.services, release.command, file, draft.notes);
  return { ok: true, draft };
}

function createProcessService(name: string, type: string, command: string, file: string): DraftService {
  const service = createDraftService(name, file);
  const renamed = name === type ? undefined : `Procfile type ${type}`;
  // Heroku's shell expands `${VAR}` when the process starts; `$${VAR}` keeps it for the shell instead of Berth.
  const escaped = command.replace(/\$(\$?)\{/g, (whole, doubled: string) => (doubled === '' ? '$${' : whole));
  const shell = escaped === command ? undefined : '`$${...}` is expanded by the shell at start, as on Heroku';
  setField(service, 'command', escaped, joinComments(renamed, shell, commentOnCommand(command)));
  if (name === 'web') {
    setField(service, 'http', {}, 'Berth sets $PORT, as Heroku does');
    service.notes.push('ready: { http: /health }   # suggested: uncomment once the app answers on a health path');
  }
  return service;
}

// Heroku runs `release` once per deploy, before the new processes start: that is Berth's `release:` of a service.
function attachRelease(services: readonly DraftService[], command: string, file: string, notes: string[]): void {
  const owner = services.find((s) => s.name === 'web') ?? services[0];
  if (owner === undefined) {
    notes.push(`${file} release command not mapped: there is no process to attach it to (${command})`);
    return;
  }
  setField(owner, 'release', command, owner.name === 'web' ? 'Procfile release: once per deploy, before the new processes start' : 'Procfile release (there is no web process)');
}
