// Property/fuzz test of the stack-file loader (DESIGN §6, R3): thousands of generated and mutated stack files,
// env files and overlays. loadStack must never throw; every failure is a catalogued error with a location and a
// hint; a success is deep-frozen, JSON-serialisable and keeps its promises; Object.prototype is never polluted.
//
// Reproduce or vary: BERTH_FUZZ_SEED=<n> BERTH_FUZZ_RUNS=<runs per property> node scripts/run-tests.mjs fuzz
// On a failure fast-check prints the seed, the shrunk counterexample and a `path` to replay it.
import assert from 'node:assert/strict';
import { after, describe, it, type TestContext } from 'node:test';
import fc from 'fast-check';
import type { LoadStackResult } from '../../src/config/load-stack.js';
import { ENVIRONMENT_NAMES, SEED_STACKS, rarely, VARIABLES, envFileTextArb, generatedStackArb, mutatedStackArb, overlayTextArb } from '../helpers/fuzz-arbitraries.js';
import { FuzzWorkspace, type FuzzCase } from '../helpers/fuzz-invariants.js';
import { only, position } from '../helpers/temp-stack.js';

const SEED = process.env.BERTH_FUZZ_SEED === undefined ? 20_250_601 : Number(process.env.BERTH_FUZZ_SEED);
const RUNS = process.env.BERTH_FUZZ_RUNS === undefined ? undefined : Number(process.env.BERTH_FUZZ_RUNS);
const runs = (byDefault: number): number => RUNS ?? byDefault;
/** Coverage checks only mean something over many runs. */
const enoughRuns = (RUNS ?? Infinity) >= 500;

const workspace = new FuzzWorkspace();
after(() => {
  workspace.dispose();
});

/** Tallies what the cases reached, so a generator that stopped exploring shows up as a failure. */
class Coverage {
  ok = 0;
  total = 0;
  readonly codes = new Map<string, number>();

  record(result: LoadStackResult): void {
    this.total += 1;
    if (result.ok) this.ok += 1;
    for (const d of result.ok ? result.warnings : result.diagnostics) this.codes.set(d.code, (this.codes.get(d.code) ?? 0) + 1);
  }

  report(t: TestContext): void {
    const codes = [...this.codes.entries()].sort((a, b) => b[1] - a[1]).map(([code, n]) => `${code.replace(/^BERTH_/, '')}=${String(n)}`);
    t.diagnostic(`seed ${String(SEED)}: ${String(this.total)} loads, ${String(this.ok)} ok; ${codes.join(' ')}`);
  }
}

const processEnvArb = fc.dictionary(fc.constantFrom(...VARIABLES), fc.oneof(fc.constantFrom('', 'from-process', '5432', '${A}', '$$'), fc.string({ maxLength: 8 })), { maxKeys: 3, noNullPrototype: true });
// Mostly no `--env`: an unknown environment stops the load before anything else is looked at.
const environmentArb = rarely(fc.constantFrom(...ENVIRONMENT_NAMES), 6);

describe('loadStack under fuzzing', () => {
  it('generated stack data (random keys, wrong types, references, anchors, merges) never breaks the loader', (t) => {
    const coverage = new Coverage();
    const caseArb = fc.record({ stack: generatedStackArb, env: rarely(envFileTextArb, 4), processEnv: processEnvArb, environment: environmentArb, tracked: fc.boolean() });
    fc.assert(
      fc.property(caseArb, ({ stack, env, processEnv, environment, tracked }) => {
        const files = { '.env': env ?? 'DB_PASSWORD=hunter22-secret\nAPI_TOKEN=t0ken-value\nHOST=127.0.0.1\nEMPTY=\n', 'other.env': 'A=from-other\n' };
        coverage.record(workspace.run({ stack: stack.text, files, processEnv, environment, tracked }));
      }),
      { seed: SEED, numRuns: runs(2000) },
    );
    coverage.report(t);
    // The generator must keep reaching the later stages: successful loads, schema errors, interpolation and lint.
    if (!enoughRuns) return;
    assert.ok(coverage.ok >= coverage.total * 0.05, `only ${String(coverage.ok)} of ${String(coverage.total)} generated stacks loaded`);
    for (const code of ['BERTH_E_SCHEMA_UNKNOWN_KEY', 'BERTH_E_SCHEMA_TYPE', 'BERTH_E_VAR_SYNTAX', 'BERTH_E_VAR_UNSET', 'BERTH_E_DEP_UNKNOWN', 'BERTH_E_DEP_CYCLE', 'BERTH_E_REF_UNKNOWN_SERVICE']) {
      assert.ok(coverage.codes.has(code), `no generated stack reached ${code}`);
    }
  });

  it('mutated seed files (byte flips, lines, indentation, aliases, deep nesting, BOM, CRLF, NUL, documents) never break the loader', (t) => {
    const coverage = new Coverage();
    fc.assert(
      fc.property(mutatedStackArb, environmentArb, (stack, environment) => {
        coverage.record(workspace.run({ stack, files: { '.env': 'DB_PASSWORD=hunter22-secret\nAPI_TOKEN=t0ken\n', 'other.env': 'A=1\n' }, environment }));
      }),
      { seed: SEED, numRuns: runs(2500) },
    );
    coverage.report(t);
    if (!enoughRuns) return;
    assert.ok(coverage.codes.has('BERTH_E_YAML_SYNTAX'));
    assert.ok(coverage.ok > 0, 'no mutated file loaded at all');
  });

  it('random env files, overlay files and environments never break the loader', (t) => {
    const coverage = new Coverage();
    const caseArb = fc.record({
      stack: fc.oneof(fc.constantFrom(...SEED_STACKS), generatedStackArb.map((g) => g.text)),
      env: fc.option(envFileTextArb, { nil: undefined }),
      other: fc.option(envFileTextArb, { nil: undefined }),
      staging: fc.option(fc.oneof(overlayTextArb, mutatedStackArb), { nil: undefined }),
      prod: fc.option(overlayTextArb, { nil: undefined }),
      environment: environmentArb,
      processEnv: processEnvArb,
    });
    fc.assert(
      fc.property(caseArb, ({ stack, env, other, staging, prod, environment, processEnv }) => {
        const files: FuzzCase['files'] = { ...(env === undefined ? {} : { '.env': env }), ...(other === undefined ? {} : { 'other.env': other }), ...(staging === undefined ? {} : { 'berth.staging.yml': staging }), ...(prod === undefined ? {} : { 'berth.prod.yml': prod }) };
        coverage.record(workspace.run({ stack, files, environment, processEnv }));
      }),
      { seed: SEED, numRuns: runs(1500) },
    );
    coverage.report(t);
    if (!enoughRuns) return;
    assert.ok(coverage.codes.has('BERTH_E_ENV_FILE_SYNTAX'));
  });
});

// Inputs the fuzzer found (or that are too slow or too specific to leave to chance), kept as fixed cases.
describe('loadStack on known hostile inputs', () => {
  const run = (stack: string, extra: Omit<FuzzCase, 'stack'> = {}): LoadStackResult => workspace.run({ stack, ...extra });
  const codes = (result: LoadStackResult) => (result.ok ? result.warnings : result.diagnostics).map((d) => d.code);

  it('a reference under a `__proto__` key of an environment does not write into Object.prototype', () => {
    const result = run('services:\n  db: { command: x, port: 5000 }\nenvironments:\n  staging:\n    __proto__:\n      polluted: "${services.db.port}"\n');
    // Reported rather than silently ignored (zod would skip the key), and still nothing written into the prototype.
    assert.equal(position(only(result, 'BERTH_E_SCHEMA_NAME')), '5:5');
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('`constructor` is an unknown service unless the file defines one', () => {
    assert.equal(position(only(run('services:\n  web:\n    command: x\n    depends_on: [constructor]\n'), 'BERTH_E_DEP_UNKNOWN')), '4:18');
    assert.ok(codes(run('services:\n  web:\n    command: x\n    depends_on: { constructor: completed }\n')).includes('BERTH_E_DEP_UNKNOWN'));
    assert.ok(codes(run('services:\n  web:\n    command: x\n    env: { A: "${services.constructor.host}" }\n')).includes('BERTH_E_REF_UNKNOWN_SERVICE'));
    const defined = run('services:\n  constructor: { command: x, port: 5000 }\n  web:\n    command: y\n    depends_on: [constructor]\n    env: { A: "${services.constructor.port}" }\n');
    assert.ok(defined.ok, JSON.stringify(codes(defined)));
    assert.equal(defined.stack.services.web!.env.A, '5000');
  });

  it('an overlay or env file that is a folder or a device is reported, not thrown or read forever', () => {
    const overlay = run('services:\n  web: { command: x }\n', { environment: 'broken' });
    assert.deepEqual(codes(overlay), ['BERTH_E_FILE_READ']);
    assert.equal(position(only(run('env_file: dir.env\nservices:\n  web: { command: x }\n'), 'BERTH_E_FILE_READ')), '1:11');
    // /dev/null reads as empty at once; /dev/zero would never end: neither is a regular file.
    const device = only(run('services:\n  web:\n    command: x\n    env_file: [/dev/null]\n'), 'BERTH_E_FILE_READ');
    assert.match(device.message, /not a regular file/);
    assert.equal(position(device), '4:15');
  });

  it('an interpolation error inside a block scalar, an escaped string or an alias points at a column that exists', () => {
    assert.equal(position(only(run('services:\n  web:\n    command: "ok ${A B}"\n'), 'BERTH_E_VAR_SYNTAX')), '3:18');
    assert.equal(position(only(run('services:\n  web:\n    command: "\\t\\"${A B}"\n'), 'BERTH_E_VAR_SYNTAX')), '3:14');
    assert.equal(position(only(run('services:\n  web:\n    command: |-\n      run ${A B}\n'), 'BERTH_E_VAR_SYNTAX')), '3:14');
    assert.equal(position(only(run('x-cmd: &cmd "run it now ${A B}"\nservices:\n  web:\n    command: *cmd\n'), 'BERTH_E_VAR_SYNTAX')), '4:14');
  });

  it('documents that parse but cannot be built point at the alias or merge key at fault', () => {
    assert.equal(position(only(run('services:\n  web: { command: x }\nx-loop: &a [*a]\n'), 'BERTH_E_YAML_SYNTAX')), '3:13');
    assert.equal(position(only(run('services:\n  web:\n    <<: 5\n    command: x\n'), 'BERTH_E_YAML_SYNTAX')), '3:5');
    const laughs = ['a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]', ...'bcdefghi'.split('').map((k, i) => `${k}: &${k} [${Array.from({ length: 9 }, () => `*${'abcdefghi'[i]!}`).join(', ')}]`), 'services: *i'];
    const started = performance.now();
    assert.equal(position(only(run(`${laughs.join('\n')}\n`), 'BERTH_E_YAML_SYNTAX')), '2:8');
    assert.ok(performance.now() - started < 2000, 'the alias bomb took too long');
  });

  it('deep nesting, multiple documents, BOM, CRLF and NUL are reported or read, never thrown', () => {
    assert.ok(codes(run(`services: ${'['.repeat(5000)}${']'.repeat(5000)}\n`)).includes('BERTH_E_YAML_SYNTAX'));
    assert.ok(codes(run('services:\n  web: { command: x }\n---\nservices: {}\n')).includes('BERTH_E_YAML_SYNTAX'));
    assert.ok(run('\uFEFFservices:\r\n  web:\r\n    command: node server.js\r\n').ok);
    assert.ok(codes(run('services:\n  web: { command: "x\0" }\n  \0: 1\n')).length > 0);
    const proto = run('__proto__: { polluted: 1 }\nservices:\n  web: { command: x, env: { __proto__: y } }\n');
    assert.ok(codes(proto).includes('BERTH_E_SCHEMA_UNKNOWN_KEY'));
  });
});
