// The fast YAML path (js-yaml, no positions) must load exactly what the `yaml` path loads (decision 0006): scalars
// where YAML libraries differ, merges, multi-line strings, what it must decline, and a property test over generated
// and mutated stack files comparing loadStack with and without `positions: 'always'`.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { loadStack, type LoadStackOptions, type LoadStackResult } from '../../src/config/load-stack.js';
import { parseYaml } from '../../src/config/parse-yaml.js';
import { parseYamlFast } from '../../src/config/parse-yaml-fast.js';
import { getSecrets } from '../../src/config/secrets.js';
import type { Diagnostic } from '../../src/errors/diagnostic.js';
import { ENVIRONMENT_NAMES, SEED_STACKS, VARIABLES, envFileTextArb, generatedStackArb, mutatedStackArb, overlayTextArb, rarely } from '../helpers/fuzz-arbitraries.js';
import { FuzzWorkspace, type FuzzCase } from '../helpers/fuzz-invariants.js';

const SEED = process.env.BERTH_FUZZ_SEED === undefined ? 20_261_122 : Number(process.env.BERTH_FUZZ_SEED);
const RUNS = process.env.BERTH_FUZZ_RUNS === undefined ? undefined : Number(process.env.BERTH_FUZZ_RUNS);

/** Both parsers on one text: the fast one must not decline, and must build the very same data. */
function assertSame(text: string): unknown {
  const slow = parseYaml(text, 'berth.yml');
  const fast = parseYamlFast(text, 'berth.yml');
  assert.deepEqual(slow.diagnostics, [], `yaml refused ${JSON.stringify(text)}`);
  assert.deepEqual(fast.diagnostics, [], `the fast parser declined ${JSON.stringify(text)}`);
  assert.deepStrictEqual(fast.data, slow.data, JSON.stringify(text));
  return fast.data;
}

function assertDeclined(text: string): void {
  const fast = parseYamlFast(text, 'berth.yml');
  assert.ok(fast.diagnostics.length > 0, `the fast parser read ${JSON.stringify(text)}`);
  assert.match(fast.diagnostics[0]?.message ?? '', /fast parser declined/);
}

describe('parseYamlFast against parseYaml', () => {
  it('builds the same value for scalars YAML libraries disagree on (1.2 core: no yes/no, dates, underscores, 0b)', () => {
    const scalars = ['0o17', '0x1F', '0X1F', '0b101', '1_000', '.inf', '-.inf', '+.inf', '.NaN', '~', 'null', 'NULL', 'nULL', '', 'yes', 'no', 'on', 'off', 'y', 'True', 'tRue', '2026-01-01', '2026-01-01T10:00:00Z', '12:30:00', '1e3', '1E3', '1.e3', '.e3', '1e400', '-1e3', '+1', '-0', '+0', '-0.0', '007', '08', '0.', '.5', '-.5', '1.10', '12345678901234567890', '0o8', '+0x1F', '-0o17', '1,000', '"5"', "'5'", '"0x1F"', "'~'", '"true"', '"a\\tb\\u00e9"', "'it''s'", '[1, "2", ~]', '{a: 1}', '"${PORT}"', '${PORT}', 'a $$ b'];
    for (const scalar of scalars) assertSame(`v: ${scalar}\n`);
    assert.ok(Object.is((assertSame('v: -0\n') as { v: number }).v, -0));
    assert.equal((assertSame('v: 1e400\n') as { v: number }).v, Infinity);
  });

  it('turns the same keys into the same strings, and declines null keys (yaml: "", js-yaml: "null")', () => {
    assertSame('1: a\n0x1F: b\n1.10: c\n.inf: d\ntrue: e\n-0: f\n"~": g\n__proto__: { polluted: 1 }\nconstructor: h\n');
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    for (const key of ['~', 'null', 'Null', '']) assertDeclined(`${key}: x\n`);
    assertDeclined('? [a, b]\n: x\n');
    assertDeclined('a: &k key\n*k : x\n');
  });

  it('merges (`<<`) alike: own keys win wherever they are written, earlier sources win over later ones', () => {
    const data = assertSame('x-a: &a { command: a, port: 1, env: { A: "1" } }\nx-b: &b { port: 2, cwd: b }\nweb:\n  port: 9\n  <<: [*a, *b]\n  command: own\nquoted:\n  "<<": not a merge\n');
    assert.deepEqual(data, { 'x-a': { command: 'a', port: 1, env: { A: '1' } }, 'x-b': { port: 2, cwd: 'b' }, web: { port: 9, command: 'own', env: { A: '1' }, cwd: 'b' }, quoted: { '<<': 'not a merge' } });
    assert.deepEqual(Object.keys((data as { web: object }).web), ['port', 'command', 'env', 'cwd']);
    assertSame('base: &base\n  a: 1\n  b: 2\nnested:\n  <<: *base\n  b: 3\n  deeper:\n    <<: *base\n');
  });

  it('folds and chomps multi-line strings alike', () => {
    for (const text of ['v: |\n  a\n   b\n\n  c\n\n', 'v: |-\n  a\n  b\n', 'v: |+\n  a\n\n\n', 'v: >\n  a\n  b\n\n  c\n   d\n  e\n', 'v: >-\n  a\n  b\n', 'v: |2\n    indented\n  x\n', 'v: plain\n  folded\n\n  lines\n', 'v: "double\n  folded \\\n  escaped\n\n  end"\n', "v: 'single\n  folded\n\n  end'\n", 'v: >\n\n  leading blank\n', 'v: |\n  tab\there\n', 'v: "trailing  \n  spaces"\n']) {
      assertSame(text);
    }
  });

  it('declines what it cannot read exactly as yaml does', () => {
    assertDeclined('%YAML 1.1\n---\nv: yes\n');
    assertDeclined('v: !!str 5\n');
    assertDeclined('v: !custom 5\n');
    assertDeclined('a: 1\na: 2\n');
    assertDeclined('a: 1\n---\nb: 2\n');
    assertDeclined('');
    assertDeclined('x: &a [*a]\n');
    assertDeclined('v: [\n');
    assertDeclined(`a: &a [x]\n${Array.from({ length: 15 }, (_, i) => `k${String(i)}: *a`).join('\n')}\n`);
    assertDeclined('a: "${X}"\nb: ${X}\n');
    assertDeclined('<<: 5\n');
  });
});

// Why: for ~1000 nested `[` the yaml path reports "Maximum call stack size exceeded" at a place that depends on
// how much stack the caller and the JIT's frames already use, so two runs of the same path differ there.
const stable = (d: Diagnostic): unknown => (/Maximum call stack size exceeded/.test(d.message) ? { code: d.code, message: d.message } : d);

// What both paths produce, without the source map (the fast path builds none).
function comparable(result: LoadStackResult): unknown {
  if (!result.ok) return { ok: false, diagnostics: result.diagnostics.map(stable), sources: result.context.sources };
  const secrets = getSecrets(result.stack);
  return { ok: true, stack: result.stack, warnings: result.warnings, raw: result.context.raw, envFiles: result.context.envFiles, sources: result.context.sources, secrets: { values: [...secrets.values].sort(), paths: [...secrets.paths].sort() } };
}

const workspace = new FuzzWorkspace();
after(() => {
  workspace.dispose();
});

/** Runs one case both ways; returns whether the fast path produced the result. */
function bothWays(fuzzCase: FuzzCase): boolean {
  workspace.run(fuzzCase);
  const options: LoadStackOptions = { file: workspace.file, environment: fuzzCase.environment, processEnv: fuzzCase.processEnv ?? {}, isTrackedByGit: fuzzCase.tracked === true ? () => true : undefined };
  const fast = loadStack(options);
  const slow = loadStack({ ...options, positions: 'always' });
  assert.deepStrictEqual(comparable(fast), comparable(slow));
  return fast.ok && fast.context.sourceMap.size === 0;
}

const FILES = { '.env': 'DB_PASSWORD=hunter22-secret\nAPI_TOKEN=t0ken-value\nHOST=127.0.0.1\nAPP_PORT=8080\nEMPTY=\n', 'other.env': 'A=from-other\n' };
const processEnvArb = fc.dictionary(fc.constantFrom(...VARIABLES), fc.constantFrom('', '5432', '1.5', 'true', '0x1F', '${A}', 'x'), { maxKeys: 3, noNullPrototype: true });

describe('loadStack: the fast path and the yaml path agree', () => {
  it('`port: ${PORT}` is a number when written plain and a string when quoted, on both paths', () => {
    const stack = 'services:\n  web:\n    command: x\n    port: ${APP_PORT}\n    env:\n      P: ${APP_PORT}\n      Q: "${APP_PORT}/q"\n';
    const plain = workspace.run({ stack, files: FILES });
    assert.ok(plain.ok && plain.context.sourceMap.size === 0, JSON.stringify(plain.ok ? plain.warnings : plain.diagnostics));
    const web = plain.stack.services.web;
    assert.ok(web !== undefined);
    assert.equal(web.port, 8080);
    assert.deepEqual([web.env.P, web.env.Q], ['8080', '8080/q']);
    assert.ok(bothWays({ stack, files: FILES }));
    // The same text written plain in one place and quoted in another: the fast path cannot tell which is which.
    assert.equal(bothWays({ stack: stack.replace('/q', ''), files: FILES }), false);
    // Quoted, the port stays the string "8080", which the schema refuses: loaded (and refused) by the yaml path.
    assert.equal(bothWays({ stack: 'services:\n  web:\n    command: x\n    port: "${APP_PORT}"\n', files: FILES }), false);
  });

  it('a file with a warning or an error is loaded by the yaml path, with positions', () => {
    const result = workspace.run({ stack: 'services:\n  web:\n    command: x\n    port: nope\n' });
    assert.ok(!result.ok);
    assert.ok(result.context.sourceMap.size > 0);
    assert.deepEqual(result.diagnostics[0]?.location?.line, 4);
  });

  it('generated stack files (valid and not, anchors, merges, every YAML style) load the same both ways', (t) => {
    let fastOk = 0;
    const caseArb = fc.record({ stack: generatedStackArb, env: rarely(envFileTextArb, 4), processEnv: processEnvArb, environment: rarely(fc.constantFrom(...ENVIRONMENT_NAMES), 6), tracked: fc.boolean() });
    fc.assert(
      fc.property(caseArb, ({ stack, env, processEnv, environment, tracked }) => {
        if (bothWays({ stack: stack.text, files: { ...FILES, ...(env === undefined ? {} : { '.env': env }) }, processEnv, environment, tracked })) fastOk += 1;
      }),
      { seed: SEED, numRuns: RUNS ?? 400 },
    );
    t.diagnostic(`${String(fastOk)} loaded on the fast path`);
    assert.ok(fastOk > 0, 'no generated stack took the fast path');
  });

  it('generated valid stack files take the fast path and resolve to deep-equal stacks', (t) => {
    let fastOk = 0;
    let valid = 0;
    fc.assert(
      fc.property(fc.constantFrom(...SEED_STACKS), generatedStackArb, (seed, generated) => {
        for (const stack of [seed, generated.text]) {
          const fast = workspace.run({ stack, files: FILES });
          if (!fast.ok) continue;
          valid += 1;
          if (bothWays({ stack, files: FILES })) fastOk += 1;
        }
      }),
      { seed: SEED + 1, numRuns: RUNS ?? 200 },
    );
    t.diagnostic(`${String(valid)} valid, ${String(fastOk)} of them on the fast path`);
    assert.ok(valid > 0 && fastOk > 0, `${String(valid)} valid, ${String(fastOk)} on the fast path`);
  });

  it('mutated files and overlays (broken YAML, aliases, BOM, CRLF, documents) load the same both ways', () => {
    const caseArb = fc.record({ stack: fc.oneof(mutatedStackArb, fc.constantFrom(...SEED_STACKS)), staging: fc.option(fc.oneof(overlayTextArb, mutatedStackArb), { nil: undefined }), environment: rarely(fc.constant('staging'), 2) });
    fc.assert(
      fc.property(caseArb, ({ stack, staging, environment }) => {
        bothWays({ stack, files: { ...FILES, ...(staging === undefined ? {} : { 'berth.staging.yml': staging }) }, environment });
      }),
      { seed: SEED + 2, numRuns: RUNS ?? 600 },
    );
  });
});
