import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { COMMAND_TABLE, MAIN_HELP, runCli } from '../../src/cli/dispatch.js';
import { COMMANDS } from '../../src/cli/main.js';
import { captureIo } from '../helpers/capture-io.js';

const src = join(import.meta.dirname, '..', '..', 'src');

/** Every module and package `file` imports statically (import … from, export … from), transitively. */
function staticImports(file: string, seen = new Set<string>(), packages = new Set<string>()): { modules: Set<string>; packages: Set<string> } {
  if (seen.has(file)) return { modules: seen, packages };
  seen.add(file);
  const text = readFileSync(file, 'utf8');
  for (const match of text.matchAll(/^(?:import|export)\s+(?!type\b)[^'"]*?from\s+'([^']+)'|^import\s+'([^']+)'/gm)) {
    const specifier = match[1] ?? match[2] ?? '';
    if (specifier.startsWith('.')) staticImports(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')), seen, packages);
    else if (!specifier.startsWith('node:')) packages.add(specifier);
  }
  return { modules: seen, packages };
}

describe('command dispatch', () => {
  it('the full table has every command with its help, in the order of the summary', () => {
    assert.deepEqual(Object.keys(COMMANDS), Object.keys(COMMAND_TABLE));
    for (const [name, command] of Object.entries(COMMANDS)) {
      assert.match(command.help, /Usage: berth /, name);
      assert.ok(MAIN_HELP.includes(`  ${name.padEnd(8)} ${command.summary}`), name);
    }
  });

  it('runs a command, and refuses an unknown one (not an Object prototype key)', async () => {
    const io = captureIo(process.cwd());
    assert.equal(await runCli(['--version'], io), 0);
    assert.equal(io.out(), 'berth 0.1.0');
    const bad = captureIo(process.cwd());
    assert.equal(await runCli(['constructor'], bad), 2);
    assert.match(bad.err(), /unknown command `constructor`/);
  });

  it('the entry point and the daemon command import neither the stack loader nor its parsers and schemas, nor the database clients', () => {
    for (const entry of ['cli/run-main.ts', 'cli/commands/daemon.ts', 'daemon/start-daemon.ts']) {
      const { modules, packages } = staticImports(join(src, entry));
      const heavy = [...modules].filter((m) => /config[/\\](load-stack|validate-stack|schema)/.test(m));
      assert.deepEqual(heavy, [], `${entry} imports the loader`);
      for (const name of ['zod', 'yaml', 'js-yaml', 'pg', 'redis']) assert.ok(!packages.has(name), `${entry} imports ${name}`);
    }
  });
});
