// Renders docs/reference/cli.md from each command's own help text.
import { COMMANDS, MAIN_HELP } from '../cli/main.js';

/** The Markdown of docs/reference/cli.md. */
export function renderCliReference(): string {
  const lines = ['# Command-line reference', '', '<!-- Generated from the commands\' --help texts by `npm run generate`; a test fails when this file is stale. -->', '', '```', MAIN_HELP, '```', ''];
  lines.push('Exit codes: 0 success, 1 the operation failed, 2 bad input (usage or stack file). Output honours `NO_COLOR` and is plain when not a terminal.', '');
  for (const [name, command] of Object.entries(COMMANDS)) lines.push(`## \`berth ${name}\``, '', '```', command.help, '```', '');
  return `${lines.join('\n').trimEnd()}\n`;
}
