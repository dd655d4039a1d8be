import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { interpolate, isRuntimeVariable, type InterpolationResult, type VariableLookup } from '../../src/config/interpolate.js';
import { parseYaml } from '../../src/config/parse-yaml.js';
import type { Diagnostic } from '../../src/errors/diagnostic.js';
import { diagnosticsOf, loadText, only, position } from '../helpers/temp-stack.js';

const FILE = '/stack/berth.yml';

/** Variables from an "env file" (secret) and a "process environment" (not secret). */
function lookupOf(fromFile: Readonly<Record<string, string>>, fromProcess: Readonly<Record<string, string>> = {}): VariableLookup {
  return (name) => {
    if (Object.hasOwn(fromProcess, name)) return { value: fromProcess[name]!, secret: false };
    return Object.hasOwn(fromFile, name) ? { value: fromFile[name]!, secret: true } : undefined;
  };
}

interface StackData {
  readonly services: Readonly<Record<string, { readonly command?: unknown; readonly port?: unknown; readonly env?: Readonly<Record<string, unknown>> }>>;
}

function run(yaml: string, fromFile: Readonly<Record<string, string>> = {}, fromProcess: Readonly<Record<string, string>> = {}): InterpolationResult & { readonly data: StackData } {
  const parsed = parseYaml(yaml, FILE);
  assert.deepEqual(parsed.diagnostics, []);
  const result = interpolate(parsed.data, lookupOf(fromFile, fromProcess), parsed.sourceMap);
  return { ...result, data: result.data as StackData };
}

function single(result: InterpolationResult, code: string): Diagnostic {
  const matching = result.diagnostics.filter((d) => d.code === code);
  assert.equal(matching.length, 1, JSON.stringify(result.diagnostics, null, 2));
  return matching[0]!;
}

describe('interpolate', () => {
  it('substitutes variables, defaults and nested defaults', () => {
    const { data, diagnostics } = run(
      ['services:', '  web:', '    command: x', '    env:', '      A: ${HOST}', '      B: ${MISSING:-fallback}', '      C: ${N1:-${N2:-deep}}', '      D: "${EMPTY:-used}|${EMPTY-kept}|${UNSET-dash}"', '      E: pre-${HOST}-post'].join('\n'),
      { HOST: 'db.internal', EMPTY: '' },
    );
    assert.deepEqual(diagnostics, []);
    assert.deepEqual(data.services.web?.env, { A: 'db.internal', B: 'fallback', C: 'deep', D: 'used||dash', E: 'pre-db.internal-post' });
  });

  it('turns `$$` into `$` and leaves a bare `$NAME` alone', () => {
    const { data } = run('services:\n  web:\n    command: echo $$HOME $USER $${LITERAL}\n');
    assert.equal(data.services.web?.command, 'echo $HOME $USER ${LITERAL}');
  });

  it('leaves runtime variables (`${PORT}`, `${BERTH_*}`) for run time, even when the shell running berth sets them', () => {
    const { data, diagnostics } = run('services:\n  web:\n    command: serve --port ${PORT} --n ${BERTH_INSTANCE:-0} --other ${OTHER}\n', {}, { PORT: '3000', BERTH_INSTANCE: '7', OTHER: 'set' });
    assert.deepEqual(diagnostics, []);
    assert.equal(data.services.web?.command, 'serve --port ${PORT} --n ${BERTH_INSTANCE:-0} --other set');
    assert.equal(isRuntimeVariable('PORT'), true);
    assert.equal(isRuntimeVariable('BERTH_NOTIFY_FD'), true);
    assert.equal(isRuntimeVariable('PORTS'), false);
  });

  it('reads a whole plain `${VAR}` as a number or boolean, but keeps strings that would lose characters', () => {
    const { data } = run(['services:', '  web:', '    command: x', '    port: ${WEB_PORT}', '    env:', '      ZIP: ${ZIP}', '      VERSION: ${VERSION}', '      FLAG: ${FLAG}', '      QUOTED: "${WEB_PORT}"'].join('\n'), { WEB_PORT: '8080', ZIP: '01234', VERSION: '1.10', FLAG: 'true' });
    assert.equal(data.services.web?.port, 8080);
    assert.deepEqual(data.services.web.env, { ZIP: '01234', VERSION: '1.10', FLAG: true, QUOTED: '8080' });
  });

  it('reports a variable with no value and no default at its own column (BERTH_E_VAR_UNSET)', () => {
    const result = run('services:\n  web:\n    command: run --key ${API_KEY}\n');
    const d = single(result, 'BERTH_E_VAR_UNSET');
    assert.equal(position(d), '3:24');
    assert.equal(d.location?.file, FILE);
    assert.equal(d.path, 'services.web.command');
    assert.equal(d.message, 'variable API_KEY has no value and no default');
    assert.match(d.expected ?? '', /API_KEY set, or a default/);
    assert.match(d.found ?? '', /not set/);
    assert.match(d.hint, /\$\{API_KEY:-value\}/);
  });

  it('places an unset variable inside a nested default at the nested `${`', () => {
    const d = single(run('services:\n  web:\n    command: x\n    env:\n      C: ${N1:-${N2}}\n'), 'BERTH_E_VAR_UNSET');
    assert.equal(position(d), '5:16');
    assert.match(d.message, /N2/);
  });

  it('counts the opening quote of a quoted value in the column', () => {
    const d = single(run('services:\n  web:\n    command: x\n    env:\n      A: "http://${HOST}"\n'), 'BERTH_E_VAR_UNSET');
    assert.equal(position(d), '5:18');
  });

  it('reports `${VAR:?message}` with the message (BERTH_E_VAR_REQUIRED), also when the value is empty', () => {
    const unset = single(run('services:\n  web:\n    command: x\n    env:\n      TOKEN: ${TG_TOKEN:?create a bot with @BotFather}\n'), 'BERTH_E_VAR_REQUIRED');
    assert.equal(position(unset), '5:14');
    assert.equal(unset.path, 'services.web.env.TOKEN');
    assert.equal(unset.message, 'variable TG_TOKEN is required: create a bot with @BotFather');
    assert.equal(unset.found, 'not set');
    assert.match(unset.expected ?? '', /TG_TOKEN set/);
    const empty = single(run('services:\n  web:\n    command: x\n    env:\n      TOKEN: ${TG_TOKEN:?}\n', { TG_TOKEN: '' }), 'BERTH_E_VAR_REQUIRED');
    assert.equal(empty.found, 'set but empty');
    assert.match(empty.message, /it is not set/);
    assert.deepEqual(run('services:\n  web:\n    command: x\n    env:\n      TOKEN: ${TG_TOKEN?}\n', { TG_TOKEN: '' }).diagnostics, []);
  });

  it('reports a malformed interpolation where it starts (BERTH_E_VAR_SYNTAX)', () => {
    const d = single(run('services:\n  web:\n    command: echo ok ${FOO:+alt}\n'), 'BERTH_E_VAR_SYNTAX');
    assert.equal(position(d), '3:22');
    assert.equal(d.path, 'services.web.command');
    assert.equal(d.found, '"${FOO:+alt}"');
    assert.match(d.expected ?? '', /\$\{NAME:-default\}/);
    assert.match(d.hint, /`\$\$` for a literal `\$`/);
  });

  it('marks values built from env-file variables as secret, by field path, and not those from the process', () => {
    const result = run('services:\n  web:\n    command: ./run --token ${SHORT}\n    env:\n      A: ${FROM_FILE}\n      B: ${FROM_PROCESS}\n      C: plain\n', { SHORT: 'ab', FROM_FILE: 'x' }, { FROM_PROCESS: 'y' });
    assert.deepEqual([...result.secretPaths].sort(), ['services.web.command', 'services.web.env.A']);
  });

  it('lets the process environment override an env-file value', () => {
    const { data } = run('services:\n  web:\n    command: x\n    env:\n      A: ${LEVEL}\n', { LEVEL: 'from-file' }, { LEVEL: 'from-process' });
    assert.equal(data.services.web?.env?.A, 'from-process');
  });

  it('keeps service references aside, each with the place it is written', () => {
    const result = run('services:\n  web:\n    command: x\n    env:\n      A: "${X:-${services.api.url}}/v1"\n', {});
    assert.equal(result.data.services.web?.env?.A, '${services.api.url}/v1');
    const [pending] = [...result.pending.values()];
    assert.deepEqual(pending?.path, ['services', 'web', 'env', 'A']);
    assert.deepEqual(pending.parts, [{ kind: 'ref', service: 'api', attr: 'url', source: '${services.api.url}' }, { kind: 'text', text: '/v1' }]);
    assert.equal(pending.refAt[0]?.column, 16);
  });
});

describe('interpolation through loadStack', () => {
  it('lets the process environment override the env file', () => {
    const result = loadText('services:\n  web:\n    command: x\n    env:\n      LEVEL: ${LEVEL}\n', { files: { '.env': 'LEVEL=from-file\n' }, processEnv: { LEVEL: 'from-process' } });
    assert.ok(result.ok);
    assert.equal(result.stack.services.web?.env.LEVEL, 'from-process');
  });

  it('points BERTH_E_VAR_UNSET at berth.yml with file, line and column', () => {
    const result = loadText('name: shop\nservices:\n  web:\n    command: node server.js\n    env:\n      DATABASE_URL: ${DATABASE_URL}\n');
    assert.equal(result.ok, false);
    const d = only(result, 'BERTH_E_VAR_UNSET');
    assert.equal(d.location?.file.endsWith('/berth.yml'), true);
    assert.equal(position(d), '6:21');
    assert.equal(d.path, 'services.web.env.DATABASE_URL');
  });

  it('reports BERTH_E_VAR_REQUIRED once, without a second schema error for the emptied field', () => {
    const result = loadText('services:\n  web:\n    command: x\n    port: ${WEB_PORT:?pick a port for web}\n');
    assert.equal(result.ok, false);
    const d = only(result, 'BERTH_E_VAR_REQUIRED');
    assert.equal(position(d), '4:11');
    assert.match(d.message, /pick a port for web/);
    assert.equal(diagnosticsOf(result).length, 1);
  });
});
