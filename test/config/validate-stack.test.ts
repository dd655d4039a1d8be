import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseYaml } from '../../src/config/parse-yaml.js';
import { validateStack } from '../../src/config/validate-stack.js';
import { diagnosticsOf, loadText, only, position } from '../helpers/temp-stack.js';

describe('validateStack', () => {
  it('accepts a valid stack and fills in defaults', () => {
    const parsed = parseYaml('services:\n  web:\n    command: ./web\n', '/s/berth.yml');
    const result = validateStack(parsed.data, parsed.sourceMap);
    assert.ok(result.ok);
    assert.equal(result.value.services.web?.restart, 'always');
    assert.deepEqual(result.value.jobs, {});
  });

  it('returns every problem at once, each located, without throwing', () => {
    const parsed = parseYaml('services:\n  web:\n    command: 42\n    restart: sometimes\n', '/s/berth.yml');
    const result = validateStack(parsed.data, parsed.sourceMap);
    assert.ok(!result.ok);
    assert.deepEqual(result.diagnostics.map((d) => `${d.code}@${position(d)}`), ['BERTH_E_SCHEMA_TYPE@3:14', 'BERTH_E_SCHEMA_VALUE@4:14']);
  });
});

describe('schema errors through loadStack', () => {
  it('BERTH_E_SCHEMA_UNKNOWN_KEY: at the key, with a did-you-mean hint; `x-` keys are ignored', () => {
    const result = loadText('x-common: &common\n  restart: always\nservices:\n  web:\n    <<: *common\n    command: ./web\n    x-note: kept out\n    prot: 8080\n');
    const d = only(result, 'BERTH_E_SCHEMA_UNKNOWN_KEY');
    assert.equal(d.message, 'unknown key `prot`');
    assert.equal(d.path, 'services.web.prot');
    assert.equal(position(d), '8:5');
    assert.equal(d.expected, 'a known key of `services.web`');
    assert.equal(d.found, '`prot`');
    assert.match(d.hint, /^did you mean `port`\?/);
    assert.equal(diagnosticsOf(result).length, 1);
  });

  it('BERTH_E_SCHEMA_UNKNOWN_KEY at the top level lists what is allowed when nothing is close', () => {
    const d = only(loadText('services:\n  web:\n    command: ./web\nvolumes:\n  data: {}\n'), 'BERTH_E_SCHEMA_UNKNOWN_KEY');
    assert.equal(position(d), '4:1');
    assert.equal(d.expected, 'a known key of `the stack file`');
    assert.match(d.hint, /valid keys: .*`services`/);
  });

  it('BERTH_E_SCHEMA_REQUIRED: `services` missing, at the start of the file', () => {
    const d = only(loadText('name: shop\n'), 'BERTH_E_SCHEMA_REQUIRED');
    assert.equal(d.message, '`services` is required');
    assert.equal(d.path, 'services');
    assert.equal(position(d), '1:1');
    assert.equal(d.expected, 'a mapping');
    assert.equal(d.found, 'nothing (the key is missing)');
    assert.equal(d.hint, 'add `services:` (a mapping)');
  });

  it('BERTH_E_SCHEMA_REQUIRED also for a missing key whose type is a union (a job `command`, a telegram `chat`)', () => {
    const job = only(loadText('services:\n  web:\n    command: ./web\njobs:\n  nightly:\n    every: 1d\n'), 'BERTH_E_SCHEMA_REQUIRED');
    assert.equal(job.path, 'jobs.nightly.command');
    assert.equal(position(job), '5:3');
    assert.equal(job.expected, 'a string or a list of strings');
    assert.equal(job.hint, 'add `command:` (a string or a list of strings)');
    const chat = only(loadText('services:\n  web:\n    command: ./web\nalerts:\n  - telegram: { token: "${TG_TOKEN:-x}" }\n'), 'BERTH_E_SCHEMA_REQUIRED');
    assert.equal(chat.path, 'alerts[0].telegram.chat');
    assert.equal(position(chat), '5:5');
  });

  it('BERTH_E_SCHEMA_TYPE: at the value, saying what was expected and what was found', () => {
    const result = loadText('services:\n  web:\n    command: ./web\n    port: eighty\n    routes: { host: shop.example.com }\n');
    const [port, routes] = diagnosticsOf(result).filter((d) => d.code === 'BERTH_E_SCHEMA_TYPE');
    assert.ok(port !== undefined && routes !== undefined);
    assert.equal(port.path, 'services.web.port');
    assert.equal(position(port), '4:11');
    assert.equal(port.expected, 'a whole number from 1 to 65535');
    assert.equal(port.found, 'the string "eighty"');
    assert.equal(port.hint, 'write a whole number from 1 to 65535 here');
    assert.equal(routes.path, 'services.web.routes');
    assert.equal(routes.expected, 'a list of mappings');
    assert.equal(routes.found, 'a mapping with keys host');
  });

  it('BERTH_E_SCHEMA_VALUE: a value not among the choices, with a did-you-mean when one is close', () => {
    const close = only(loadText('services:\n  web:\n    command: ./web\n    restart: on-falure\n'), 'BERTH_E_SCHEMA_VALUE');
    assert.equal(close.path, 'services.web.restart');
    assert.equal(position(close), '4:14');
    assert.equal(close.expected, 'one of always, on-failure, never');
    assert.equal(close.found, 'the string "on-falure"');
    assert.equal(close.hint, 'did you mean `on-failure`?');
    const far = only(loadText('services:\n  web:\n    command: ./web\n    restart: sometimes\n'), 'BERTH_E_SCHEMA_VALUE');
    assert.equal(far.hint, 'use one of `always`, `on-failure`, `never`');
  });

  it('BERTH_E_SCHEMA_VALUE: a number out of range, a probe path without `/`, a recipe-only key', () => {
    const replicas = only(loadText('services:\n  web:\n    command: ./web\n    replicas: 0\n'), 'BERTH_E_SCHEMA_VALUE');
    assert.equal(replicas.expected, 'at least 1');
    assert.equal(replicas.found, 'the number 0');
    const probe = only(loadText('services:\n  web:\n    command: ./web\n    http: {}\n    ready: { http: health }\n'), 'BERTH_E_SCHEMA_VALUE');
    assert.equal(probe.path, 'services.web.ready.http');
    assert.equal(position(probe), '5:20');
    assert.equal(probe.expected, 'a path starting with `/`');
    const database = only(loadText('services:\n  web:\n    command: ./web\n    database: shop\n'), 'BERTH_E_SCHEMA_VALUE');
    assert.equal(database.path, 'services.web.database');
    assert.equal(position(database), '4:15');
    assert.equal(database.expected, '`database` only with `recipe: postgres`');
  });

  it('BERTH_E_SCHEMA_DURATION and BERTH_E_SCHEMA_SIZE', () => {
    const result = loadText('services:\n  web:\n    command: ./web\n    stop: { timeout: forever }\n    logs:\n      max_size: 10 megs\n');
    const duration = only(result, 'BERTH_E_SCHEMA_DURATION');
    assert.equal(duration.path, 'services.web.stop.timeout');
    assert.equal(position(duration), '4:22');
    assert.equal(duration.found, 'the string "forever"');
    assert.match(duration.expected ?? '', /`10s`/);
    assert.match(duration.hint, /`500ms`, `10s`, `5m`/);
    const size = only(result, 'BERTH_E_SCHEMA_SIZE');
    assert.equal(size.path, 'services.web.logs.max_size');
    assert.equal(position(size), '6:17');
    assert.equal(size.found, 'the string "10 megs"');
    assert.match(size.hint, /`10mb`/);
  });

  it('BERTH_E_SCHEMA_CRON: wrong number of fields, and a field out of range', () => {
    const result = loadText('services:\n  web:\n    command: ./web\njobs:\n  a:\n    command: ./a\n    schedule: "0 2 * *"\n  b:\n    command: ./b\n    schedule: "61 2 * * *"\n');
    const [fields, range] = diagnosticsOf(result).filter((d) => d.code === 'BERTH_E_SCHEMA_CRON');
    assert.ok(fields !== undefined && range !== undefined);
    assert.equal(fields.path, 'jobs.a.schedule');
    assert.equal(position(fields), '7:15');
    assert.match(fields.message, /expected 5 fields, found 4/);
    assert.equal(fields.found, 'the string "0 2 * *"');
    assert.equal(range.path, 'jobs.b.schedule');
    assert.match(range.message, /61/);
    assert.match(range.hint, /"0 2 \* \* \*"/);
  });

  it('BERTH_E_SCHEMA_CRON: a schedule that parses but never fires (31 February), and six fields', () => {
    const result = loadText('services:\n  db:\n    recipe: postgres\n    data: ./pg\n    backup: { schedule: "0 0 31 2 *" }\njobs:\n  a:\n    command: ./a\n    schedule: "0 0 2 * * *"\n');
    const [never, six] = diagnosticsOf(result).filter((d) => d.code === 'BERTH_E_SCHEMA_CRON');
    assert.ok(never !== undefined && six !== undefined);
    assert.equal(never.path, 'services.db.backup.schedule');
    assert.match(never.message, /never fires/);
    assert.equal(six.path, 'jobs.a.schedule');
    assert.match(six.message, /expected 5 fields, found 6/);
  });

  it('BERTH_E_SCHEMA_ONE_OF: a service that runs nothing or two things, a job with two schedules, a probe with two checks', () => {
    const result = loadText(`services:
  web:
    port: 8080
  both:
    command: ./x
    recipe: redis
    data: ./data/x
  api:
    command: ./api
    http: {}
    ready: { http: /health, tcp: true }
jobs:
  j:
    command: ./j
    every: 5m
    schedule: "0 2 * * *"
`);
    const found = diagnosticsOf(result).filter((d) => d.code === 'BERTH_E_SCHEMA_ONE_OF').map((d) => `${d.path ?? ''}@${position(d)}`);
    assert.deepEqual(found, ['services.web@3:5', 'services.both@5:5', 'services.api.ready@11:12', 'jobs.j@14:5']);
    const web = diagnosticsOf(result).find((d) => d.path === 'services.web')!;
    assert.equal(web.message, '`services.web` must set exactly one of `command`, `recipe` or `static`');
    assert.match(web.hint, /found none of them/);
    assert.equal(web.found, 'a mapping with keys port');
    const both = diagnosticsOf(result).find((d) => d.path === 'services.both')!;
    assert.match(both.hint, /found `command` and `recipe`/);
  });

  it('BERTH_E_SCHEMA_NAME: service and job names, at the key; variable names say what a variable name is', () => {
    const result = loadText('services:\n  Web_App:\n    command: ./web\n  api:\n    command: ./api\n    env:\n      bad-name: x\njobs:\n  1job:\n    command: ./j\n    every: 5m\n');
    const names = diagnosticsOf(result).filter((d) => d.code === 'BERTH_E_SCHEMA_NAME');
    const [service, variable] = names;
    assert.ok(service !== undefined && variable !== undefined);
    assert.deepEqual(names.map((d) => `${d.message}@${position(d)}`), ['service name `Web_App` is not allowed@2:3', 'variable name `bad-name` is not allowed@7:7', 'job name `1job` is not allowed@9:3']);
    assert.equal(service.path, 'services.Web_App');
    assert.equal(service.expected, 'a name like `web` or `celery-worker`');
    assert.equal(service.found, '`Web_App`');
    assert.match(service.hint, /lower-case letters/);
    assert.equal(variable.path, 'services.api.env.bad-name');
    assert.match(variable.expected ?? '', /variable name such as `DATABASE_URL`/);
  });

  it('BERTH_E_SCHEMA_NAME: `__proto__` as a variable, service or setting name is reported, never silently dropped', () => {
    const result = loadText('env:\n  __proto__: x\nservices:\n  __proto__:\n    command: ./a\n  db:\n    recipe: postgres\n    data: ./db\n    settings:\n      __proto__: 1\n');
    const names = diagnosticsOf(result).filter((d) => d.code === 'BERTH_E_SCHEMA_NAME');
    assert.deepEqual(names.map((d) => `${d.path ?? ''}@${position(d)}`), ['env.__proto__@2:3', 'services.__proto__@4:3', 'services.db.settings.__proto__@10:7']);
    for (const d of names) assert.match(d.hint, /`__proto__` is reserved/);
    assert.equal(result.ok, false);
  });
});
