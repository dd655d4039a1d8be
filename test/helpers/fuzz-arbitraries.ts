// fast-check generators for hostile stack files: structure-aware stack data (serialised with `yaml`),
// text-level mutations of realistic seed files, and env-file contents.
import fc from 'fast-check';
import { stringify, type ToStringOptions, type DocumentOptions, type SchemaOptions, type CreateNodeOptions } from 'yaml';

/** Builds an object with own properties, even for keys such as `__proto__` that plain assignment would not create. */
export function obj(entries: readonly (readonly [string, unknown])[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of entries) Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  return out;
}

/** A mapping from a list of generated key/value pairs (later pairs win, as in YAML merges). */
/** A value one time in `oneIn`, else undefined (`fc.option`'s `freq` is the other way round: nil one time in `freq`). */
export const rarely = <T>(arb: fc.Arbitrary<T>, oneIn: number): fc.Arbitrary<T | undefined> => fc.oneof({ weight: oneIn - 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });

const mapping = (pairs: fc.Arbitrary<readonly (readonly [string, unknown])[]>) => pairs.map((entries) => obj(entries));

// ---- pools ------------------------------------------------------------------------------------------------

/** Valid service names, including `constructor`, which is a valid name and also an Object.prototype key. */
export const SERVICE_NAMES = ['web', 'api', 'db', 'cache', 'worker', 'beat', 'migrate', 'constructor'] as const;
const BAD_NAMES = ['Web', '1st', '__proto__', '-x', 'a'.repeat(64), '', 'we b', 'ümlaut', 'toString', 'hasOwnProperty', 'x.y'];
/** Variable names used by stacks and env files alike, so some are set and some are not. */
export const VARIABLES = ['HOST', 'DB_PASSWORD', 'API_TOKEN', 'EMPTY', 'UNSET', 'A', 'B', 'PORT', 'BERTH_INSTANCE', 'SMTP_URL', '__proto__', 'constructor'] as const;
export const ENVIRONMENT_NAMES = ['staging', 'prod', 'broken', 'missing', '__proto__', 'constructor', 'Staging', '../up', ''] as const;

/** Any code point, lone surrogates included (a custom unit: fast-check's `binary` unit is slow to build). */
const anyCharArb = fc.integer({ min: 0, max: 0x10ffff }).map((codePoint) => String.fromCodePoint(codePoint));
const binaryString = (maxLength: number) => fc.string({ unit: anyCharArb, maxLength });

const weirdString = fc.oneof(
  fc.constantFrom('', ' ', 'yes', 'no', '~', 'null', '10', '0x1F', '1e999', 'x'.repeat(300), '__proto__', 'ümlaut ✓', '\u0000', '\u2028', '\uFEFF', 'a: b', '- x', '#', '&a', '*a', '!tag', '|', "'", '"'),
  fc.string({ maxLength: 12 }),
  binaryString(8),
);

const scalarArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1, -0, 3.5, 65536, 1e300, Number.MAX_SAFE_INTEGER + 2, Infinity, -Infinity, NaN),
  fc.integer(),
  fc.double(),
  weirdString,
  fc.constantFrom('${A', '${services.web.port}', '${services.nope.url}', '$$', '${UNSET}', '${A:-${B:-x}}', '${}'),
);

/** Anything YAML can express, for wrong-typed fields. */
const anyValueArb: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalarArb,
    fc.array(tie('value'), { maxLength: 3 }),
    mapping(fc.array(fc.tuple(fc.constantFrom('a', 'command', 'http', 'x-y', '__proto__', 'constructor', 'services', '<<'), tie('value')), { maxLength: 3 })),
  ),
})).value;

/**
 * The stack generators, built twice: `chaos` mixes in wrong-typed values, bad names, malformed templates and
 * unknown keys everywhere; without it values are well-typed (but still hostile: `__proto__` and `constructor`
 * keys, references, cycles, conflicts), so enough files get through validation to exercise normalisation and lint.
 */
function buildArbitraries(chaos: boolean) {
  /** From the good choices, and in chaos mode from the bad ones too. */
  const pick = <T>(good: readonly T[], bad: readonly T[] = []): fc.Arbitrary<T> => fc.constantFrom(...(chaos ? [...good, ...bad] : good));
  /** A valid value, or in chaos mode sometimes anything at all. */
  const field = <T>(valid: fc.Arbitrary<T>): fc.Arbitrary<unknown> => (chaos ? fc.oneof({ weight: 12, arbitrary: valid }, { weight: 1, arbitrary: anyValueArb }) : valid);
  const extra = (arb: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> => (chaos ? arb : fc.constant(undefined));

  const nameArb = chaos ? fc.oneof({ weight: 10, arbitrary: fc.constantFrom(...SERVICE_NAMES) }, { weight: 1, arbitrary: fc.constantFrom(...BAD_NAMES) }) : fc.constantFrom(...SERVICE_NAMES);

  const goodPiece: fc.Arbitrary<string> = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom('x', 'http://', ' ', '/health', ':', '0.0.0.0', '{field}', 'a b') },
    // Characters a quoted YAML string must escape, so source columns and string offsets differ.
    { weight: 1, arbitrary: fc.constantFrom('\t', '"q"', '\\', 'é', '\u0007', '\u2028', '😀', "it's") },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...VARIABLES), fc.constantFrom(':-', '-'), fc.constantFrom('', 'def', '${A:-a}', '${B:-${HOST:-deep}}', '$$')).map(([v, op, arg]) => `\${${v}${op}${arg}}`) },
    { weight: 1, arbitrary: fc.constantFrom('${HOST}', '${DB_PASSWORD}', '${PORT}', '${BERTH_INSTANCE}', '$$', '$A', '${EMPTY}') },
    { weight: 1, arbitrary: fc.tuple(nameArb, fc.constantFrom('port', 'url', 'host')).map(([n, a]) => `\${services.${n}.${a}}`) },
  );
  const badPiece: fc.Arbitrary<string> = fc.oneof(
    fc.tuple(fc.constantFrom(...VARIABLES), fc.constantFrom(':?', '?'), fc.constantFrom('', 'msg with spaces', 'a}b', '${services.db.port}')).map(([v, op, arg]) => `\${${v}${op}${arg}}`),
    fc.constantFrom('$', '${', '${}', '${ A }', '${1A}', '${A B}', '${A:=x}', '}', '$${A}', '${A', '${A:-${B}', '${services}', '${services.}', '${services..port}', '${services.web}', '${services.web.port.x}', '${A:-', '${A:?}', '${UNSET}'),
    fc.tuple(nameArb, fc.constantFrom('port', 'url', 'host', 'nope', '')).map(([n, a]) => `\${services.${n}.${a}}`),
    fc.integer({ min: 1, max: 14 }).map((n) => `${'${A:-'.repeat(n)}x${'}'.repeat(n)}`),
  );
  const piece = chaos ? fc.oneof(goodPiece, badPiece) : goodPiece;
  /** Strings with `${...}` forms: defaults, nested defaults, `$$`, service references, and in chaos mode malformed ones. */
  const templateArb: fc.Arbitrary<string> = fc.array(piece, { minLength: 1, maxLength: 3 }).map((parts) => parts.join(''));
  const text = (plain: readonly string[]) => fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...plain) }, { weight: 1, arbitrary: templateArb });

  const durationArb = field(pick(['500ms', '10s', '5m', '1.5h', '1d', '${A:-10s}'], ['10', 's', '-1s', '9999999999999999999d', '1e3s', ' 10s', '10 s']));
  const portArb = field(chaos ? fc.oneof(fc.constantFrom(80, 443, 5432, 6379, 8000, 8001, 5000), fc.integer({ min: -1, max: 70000 })) : fc.constantFrom(80, 443, 5432, 6379, 8000, 8001, 5000, 9000, 9001, 9002, 9003));
  const cronArb = field(pick(['0 2 * * *', '*/5 * * * *', '* * * * *'], ['61 * * * *', '* * *', 'x x x x x', '0 0 31 2 *', '@daily', '0 2 * * * *']));
  const hostArb = field(pick(['app.example.com', 'api.example.com', '*.example.com', 'example.com', 'APP.example.com'], ['-bad.com', 'a..b', `${'x'.repeat(70)}.com`, '']));
  const sizeArb = field(pick<string | number>(['10mb', '1gb', '512kb', 1024], ['10 mb', '-1mb', '1e3', 'huge', 1.5, '99999999999999999gb']));
  const regexArb = field(pick(['ready', 'celery@\\S+ ready', '.*', '(?<n>x)'], ['(', '[a-', '(a+)+$', '', '\\']));
  const boolArb = field(fc.boolean());
  const intArb = (min: number, max: number) => field(chaos ? fc.integer({ min: min - 2, max: max + 2 }) : fc.integer({ min, max }));
  const commandArb = field(fc.oneof({ weight: 3, arbitrary: text(['node server.js', 'python -m http.server 0.0.0.0:8000', './run --port $PORT']) }, { weight: 1, arbitrary: fc.array(text(['node', '--port', '0.0.0.0']), { minLength: chaos ? 0 : 1, maxLength: 3 }) }));
  const pathArb = field(pick(['.', './app', '/srv/app', '../outside', 'sub dir', '${HOST:-.}'], ['']));

  const envKeyArb = pick(['DATABASE_URL', 'HOST', 'BIND_ADDR', 'API_TOKEN', 'DB_PASSWORD', 'PORT', 'constructor', '__proto__'], ['bad-key', '1X', 'x-ext']);
  const envValueArb = fc.oneof(text(['0.0.0.0', 'postgres://user:hunter22@db/app', 'sk_live_abcdefghijklmnopqrstu', '${services.db.url}', '${services.web.port}', '${services.api.url}', 'plain']), fc.integer(), fc.boolean());
  const envMapArb = field(mapping(fc.array(fc.tuple(envKeyArb, field(envValueArb)), { maxLength: 3 })));
  const envFileArb = field(fc.oneof(pick(['.env', 'other.env'], ['missing.env', 'dir.env', '/nonexistent/x.env', '']), fc.array(pick(['.env', 'other.env'], ['missing.env', 'dir.env']), { maxLength: 2 })));

  /** Picks a few keys of a field table and generates their values. */
  const someOf = (table: Readonly<Record<string, fc.Arbitrary<unknown>>>, maxKeys: number): fc.Arbitrary<Record<string, unknown>> => {
    const entries = Object.entries(table).map(([key, arb]) => arb.map((value) => [key, value] as const));
    return mapping(fc.array(fc.oneof(...entries), { maxLength: maxKeys }).map((pairs) => pairs.filter((pair) => pair[1] !== undefined)));
  };

  const probeKindArb = fc.oneof(
    fc.record({ http: field(fc.oneof(pick(['/health', '/'], ['health', '']), someOf({ path: field(pick(['/', '/up'], ['up'])), status: field(fc.oneof(fc.integer({ min: chaos ? 99 : 100, max: chaos ? 600 : 599 }), fc.array(fc.integer({ min: 100, max: 599 }), { minLength: chaos ? 0 : 1, maxLength: 2 }))), body: regexArb, port: portArb }, 3))) }),
    fc.record({ tcp: field(fc.oneof(fc.constant(true), fc.constantFrom(5000, 9000))) }),
    fc.record({ exec: commandArb }),
    fc.record({ log: regexArb }),
    fc.constantFrom({ notify: true }, { postgres: true }, { redis: true }),
  );
  const probeArb = field(
    fc.tuple(probeKindArb, chaos ? rarely(probeKindArb, 8) : fc.constant(null), someOf({ interval: durationArb, timeout: durationArb, failures: intArb(1, 100), start_timeout: durationArb, 'x-note': anyValueArb }, 2)).map(([kind, second, timing]) => ({ ...kind, ...(second ?? {}), ...timing })),
  );

  const conditionArb = field(pick(['started', 'ready', 'completed'], ['bogus']));
  const dependsOnArb = field(fc.oneof(fc.array(nameArb, { maxLength: 2 }), mapping(fc.array(fc.tuple(nameArb, fc.oneof(conditionArb, someOf({ condition: conditionArb }, 1))), { maxLength: 2 }))));

  const routeArb = someOf(
    {
      host: hostArb,
      path: field(pick(['/', '/api', '/api/', '/static'], ['api', ''])),
      strip_prefix: boolArb,
      websocket: boolArb,
      rate_limit: field(fc.record({ rps: field(chaos ? fc.oneof(fc.integer({ min: -1, max: 100 }), fc.double()) : fc.integer({ min: 1, max: 100 })), burst: intArb(1, 10) })),
      auth: field(someOf({ url: field(pick(['http://auth.local/check'], ['notaurl'])), copy_headers: field(fc.array(pick(['X-User'], ['']), { maxLength: 2 })) }, 2)),
      max_body: sizeArb,
      'x-route': anyValueArb,
      unknown: extra(anyValueArb),
    },
    3,
  );

  const serviceFields: Record<string, fc.Arbitrary<unknown>> = {
    cwd: pathArb,
    env: envMapArb,
    env_file: envFileArb,
    build: field(fc.record({ command: commandArb, inputs: field(fc.array(pick(['package.json', '*.lock']), { maxLength: 2 })) })),
    release: commandArb,
    port: portArb,
    http: field(fc.constant({})),
    depends_on: dependsOnArb,
    startup: probeArb,
    ready: probeArb,
    live: probeArb,
    restart: field(pick(['always', 'on-failure', 'never'], ['sometimes'])),
    backoff: field(someOf({ initial: durationArb, max: durationArb, reset_after: durationArb }, 2)),
    stop: field(someOf({ signal: field(pick(['SIGTERM', 'SIGKILL'], ['TERM'])), timeout: durationArb }, 2)),
    replicas: intArb(1, 64),
    singleton: boolArb,
    oneshot: boolArb,
    deploy: field(someOf({ strategy: field(pick(['blue-green', 'overlap', 'replace'], ['rolling'])) }, 1)),
    routes: field(fc.array(routeArb, { maxLength: 2 })),
    logs: field(someOf({ max_size: sizeArb, keep: intArb(0, 100) }, 2)),
    backup: field(someOf({ schedule: cronArb, keep: field(someOf({ last: intArb(0, 5), daily: intArb(0, 7), weekly: intArb(0, 4), monthly: intArb(0, 2) }, 2)), before_deploy: boolArb, paths: field(fc.array(pick(['./data'], ['']), { maxLength: 2 })), offsite: field(fc.constant('remote:bk')), encrypt_key: field(fc.constant('./key')) }, 3)),
    data: field(pick(['./data/db', './data/cache'], [''])),
    args: field(fc.array(text(['--maxmemory', '512mb']), { maxLength: 3 })),
    password: field(pick(['${DB_PASSWORD}', 'literal-secret-123', '${HOST:-pw}'], ['${DB_PASSWORD:?set it}'])),
    'x-meta': anyValueArb,
    prot: extra(anyValueArb),
  };

  // Recipe-only keys: with their recipe, and in chaos mode also on any service.
  const postgresFields: Readonly<Record<string, fc.Arbitrary<unknown>>> = {
    database: field(pick(['app'], ['Bad'])),
    user: field(pick(['app', 'role'], ['Role'])),
    bin_dir: pathArb,
    settings: field(mapping(fc.array(fc.tuple(pick(['shared_buffers', '__proto__', 'constructor']), fc.oneof(fc.constant('128MB'), fc.integer(), fc.boolean())), { maxLength: 2 }))),
  };
  const redisFields: Readonly<Record<string, fc.Arbitrary<unknown>>> = { appendfsync: field(pick(['always', 'everysec', 'no'], ['sometimes'])) };
  if (chaos) Object.assign(serviceFields, postgresFields, redisFields);

  const kindArb = fc.oneof(
    { weight: 6, arbitrary: commandArb.map((command) => ({ command })) },
    { weight: 1, arbitrary: fc.tuple(fc.boolean(), someOf(postgresFields, 2)).map(([withData, rest]) => ({ recipe: 'postgres', ...(withData ? { data: './data/pg' } : {}), ...rest })) },
    { weight: 1, arbitrary: fc.tuple(fc.boolean(), someOf(redisFields, 1)).map(([withData, rest]) => ({ recipe: 'redis', ...(withData ? { data: './data/redis' } : {}), ...rest })) },
    { weight: chaos ? 1 : 0, arbitrary: fc.constant({ recipe: 'mysql' }) },
    { weight: 1, arbitrary: field(fc.oneof(pick(['./public'], ['']), fc.record({ dir: field(fc.constant('./dist')), fallback: field(fc.constant('index.html')) }, { requiredKeys: chaos ? [] : ['dir'] }))).map((value) => ({ static: value })) },
    { weight: chaos ? 1 : 0, arbitrary: fc.constant({}) },
    { weight: chaos ? 1 : 0, arbitrary: fc.tuple(commandArb, fc.constantFrom('postgres', 'redis')).map(([command, recipe]) => ({ command, recipe })) },
  );

  const serviceArb: fc.Arbitrary<unknown> = field(fc.tuple(kindArb, someOf(serviceFields, chaos ? 5 : 3)).map(([kind, rest]) => obj([...Object.entries(kind), ...Object.entries(rest)])));
  const servicesArb = field(mapping(fc.array(fc.tuple(nameArb, serviceArb), { maxLength: 5 })));

  const jobArb = field(
    fc.tuple(commandArb, pick(['every', 'schedule'], ['both', 'neither']), someOf({ overlap: field(pick(['forbid', 'allow', 'replace'], ['queue'])), timeout: durationArb, cwd: pathArb, env: envMapArb, env_file: envFileArb, depends_on: field(fc.array(nameArb, { maxLength: 2 })), 'x-job': anyValueArb }, 3), durationArb, cronArb).map(([command, when, rest, every, schedule]) =>
      obj([['command', command], ...(when === 'every' || when === 'both' ? [['every', every] as const] : []), ...(when === 'schedule' || when === 'both' ? [['schedule', schedule] as const] : []), ...Object.entries(rest)]),
    ),
  );

  const edgeArb = field(
    someOf(
      {
        listen: field(someOf({ http: portArb, https: portArb, address: field(pick(['0.0.0.0', '127.0.0.1'], [''])) }, 2)),
        workers: field(chaos ? fc.oneof(fc.constant('auto'), fc.integer({ min: -1, max: 70 })) : fc.oneof(fc.constant('auto'), fc.integer({ min: 1, max: 64 }))),
        trusted_proxies: field(fc.array(pick(['10.0.0.1']), { maxLength: 2 })),
        tls: field(someOf({ acme: field(fc.record({ email: field(pick(['ops@example.com'], ['not-an-email'])), directory: field(pick(['production', 'staging', 'https://acme.example/dir'], ['nowhere'])), dns_hook: field(fc.constant('./dns.sh')) }, { requiredKeys: chaos ? [] : ['email'] })), certs: field(fc.array(fc.record({ host: hostArb, cert: field(fc.constant('c.pem')), key: field(fc.constant('k.pem')) }), { maxLength: 2 })), redirect_http: boolArb, hsts: boolArb }, 3)),
      },
      3,
    ),
  );

  const channelArb = fc
    .tuple(
      fc.oneof(
        fc.record({ webhook: field(someOf({ url: field(pick(['https://hooks.example/x'], ['nope'])), secret: field(pick(['${API_TOKEN}', 'whsec_literal'])) }, 2).map((w) => ({ url: 'https://hooks.example/y', ...w }))) }),
        fc.record({ slack: field(fc.record({ url: field(pick(['https://hooks.slack.com/x'], [''])) })) }),
        fc.record({ telegram: field(fc.record({ token: field(pick(['${API_TOKEN}', '123456789:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'], [''])), chat: field(fc.oneof(fc.constant('-1001234'), fc.integer())) })) }),
        fc.record({ email: field(fc.record({ to: field(fc.oneof(fc.constant('ops@example.com'), fc.array(fc.constant('a@b.c'), { minLength: 1, maxLength: 2 }))), smtp: field(pick(['${SMTP_URL:-smtp://mail}', 'smtps://u:p@mail:465'])) })) }),
        fc.record({ exec: commandArb }),
        chaos ? fc.constant({}) : fc.constant({ exec: 'notify-send' }),
      ),
      chaos ? rarely(fc.record({ slack: fc.constant({ url: 'https://x.example' }) }), 8) : fc.constant(null),
      rarely(boolArb, 3),
    )
    .map(([kind, second, all]) => ({ ...kind, ...(second ?? {}), ...(all === undefined ? {} : { all }) }));
  const alertsArb = field(fc.oneof(fc.array(channelArb, { maxLength: 2 }), someOf({ channels: field(fc.array(channelArb, { maxLength: 2 })), events: field(someOf({ crash_loop: boolArb, deploy_succeeded: boolArb, bogus_event: extra(boolArb) }, 2)), down_after: durationArb }, 3)));

  const deployArb = field(someOf({ keep: intArb(2, 100), verify: durationArb, hooks: field(someOf({ pre: field(fc.array(commandArb, { maxLength: 2 })), post: field(fc.array(commandArb, { maxLength: 2 })) }, 2)) }, 2));

  /** An environment overlay: partial stack data, `null` to remove keys, and `__proto__` keys holding references. */
  const overlayArb: fc.Arbitrary<unknown> = field(
    someOf(
      {
        services: field(mapping(fc.array(fc.tuple(nameArb, field(fc.oneof(someOf(serviceFields, 2), fc.constant(null)))), { maxLength: 2 }))),
        edge: edgeArb,
        name: field(fc.constantFrom('staging-app', null)),
        env: envMapArb,
        env_file: envFileArb,
        jobs: field(fc.constant(null)),
        ['__proto__']: field(mapping(fc.array(fc.tuple(fc.constantFrom('polluted', 'port', 'toString'), fc.oneof(templateArb, fc.constantFrom('${services.db.port}', '${services.web.host}', '${services.cache.url}'))), { minLength: 1, maxLength: 2 }))),
        constructor: field(fc.constant({ prototype: { polluted: '${services.db.port}' } })),
      },
      3,
    ),
  );
  const environmentsArb = field(mapping(fc.array(fc.tuple(chaos ? fc.constantFrom(...ENVIRONMENT_NAMES) : fc.constantFrom('staging', 'prod', 'constructor'), overlayArb), { maxLength: 2 })));

  const stackFields: Readonly<Record<string, fc.Arbitrary<unknown>>> = {
    name: field(pick(['senex', 'my-app'], ['Bad Name', ''])),
    env_file: envFileArb,
    env: envMapArb,
    jobs: field(mapping(fc.array(fc.tuple(nameArb, jobArb), { maxLength: 2 }))),
    edge: edgeArb,
    alerts: alertsArb,
    deploy: deployArb,
    environments: environmentsArb,
    'x-defaults': anyValueArb,
    servics: extra(anyValueArb),
    ['__proto__']: extra(fc.constant({ polluted: 'yes' })),
  };

  const stack = fc.tuple(servicesArb, someOf(stackFields, chaos ? 5 : 3)).map(([services, rest]) => obj([['services', services], ...Object.entries(rest)]));
  return { stack, overlay: overlayArb, templateArb };
}

const chaotic = buildArbitraries(true);
const tame = buildArbitraries(false);

/** Strings with `${...}` forms, valid and not. */
export const templateArb = chaotic.templateArb;

/** How the generated data is written: YAML styles, anchors and merge keys. */
interface Layout {
  readonly merge: 'none' | 'before' | 'after';
  readonly shareEnv: boolean;
  readonly options: DocumentOptions & SchemaOptions & CreateNodeOptions & ToStringOptions;
}

const layoutArb: fc.Arbitrary<Layout> = fc.record({
  merge: fc.constantFrom('none', 'none', 'before', 'after'),
  shareEnv: fc.boolean(),
  options: fc.constantFrom<Layout['options']>({}, { indent: 4 }, { collectionStyle: 'flow' }, { defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN' }, { lineWidth: 20, minContentWidth: 0 }, { defaultStringType: 'BLOCK_LITERAL' }, { indentSeq: false, simpleKeys: true }),
});

/** Applies anchors (`x-defaults: &a`), merge keys (`<<: *a`) and shared (aliased) env maps; returns new objects. */
function applyLayout(data: Record<string, unknown>, layout: Layout): Record<string, unknown> {
  const services = data.services;
  if (services === null || typeof services !== 'object' || Array.isArray(services)) return data;
  const shared = obj([['restart', 'on-failure'], ['env', obj([['SHARED', '${A:-shared}']])]]);
  const env = obj([['COMMON', '${HOST:-localhost}']]);
  const isMap = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);
  const laidOut = Object.entries(services).map(([name, service], index): [string, unknown] => {
    if (!isMap(service) || index >= 2) return [name, service];
    const own = Object.entries(service).map(([key, value]): [string, unknown] => [key, key === 'env' && layout.shareEnv ? env : value]);
    // The same `env` object in two services is written once with an anchor and once as an alias.
    if (layout.shareEnv && !Object.hasOwn(service, 'env')) own.push(['env', env]);
    return [name, obj(layout.merge === 'none' ? own : [['<<', shared], ...own])];
  });
  const rest = Object.entries(data).map(([key, value]): [string, unknown] => [key, key === 'services' ? obj(laidOut) : value]);
  if (layout.merge === 'none') return obj(rest);
  // `after` puts the anchor after its aliases; the first `<<` then carries the anchor itself.
  return layout.merge === 'before' ? obj([['x-defaults', shared], ...rest]) : obj([...rest, ['x-defaults', shared]]);
}

/** Stack data plus its YAML text. */
export interface GeneratedStack {
  readonly data: unknown;
  readonly text: string;
}

/** Structure-aware stack files: random subsets of real keys with valid and wrong-typed values, written as YAML. */
export const generatedStackArb: fc.Arbitrary<GeneratedStack> = fc
  .oneof({ weight: 12, arbitrary: tame.stack }, { weight: 12, arbitrary: chaotic.stack }, { weight: 1, arbitrary: anyValueArb })
  .chain((data) =>
    layoutArb.map((layout) => {
      const laidOut = data !== null && typeof data === 'object' && !Array.isArray(data) ? applyLayout(data as Record<string, unknown>, layout) : data;
      return { data: laidOut, text: stringify(laidOut, layout.options) };
    }),
  );

/** An overlay file's text (`berth.staging.yml`). */
export const overlayTextArb: fc.Arbitrary<string> = fc.oneof(tame.overlay, chaotic.overlay).map((data) => stringify(data));

// ---- env files --------------------------------------------------------------------------------------------

const envLineArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...VARIABLES, 'OTHER'), fc.constantFrom('', 'x', 'hunter2-secret', 'localhost', '${A}', 'a b', '0.0.0.0', '5432', 'v # comment', '#x', '\\n', 'ümlaut', '"q"', "'s'")).map(([k, v]) => `${k}=${v}`) },
  fc.constantFrom('export HOST=localhost', 'HOST = spaced', 'KEY="multi', 'line"', 'KEY="unclosed', "KEY='unclosed", "KEY='single'", 'KEY="esc\\"aped\\n"', '# comment', '', '   ', '=x', 'JUSTKEY', '1KEY=x', 'KEY-dash=x', 'KEY.dot=x', '\tTAB=x', 'export', 'KEY=\u0000', '\uFEFFKEY=bom'),
  fc.string({ maxLength: 20 }),
  binaryString(10),
);

/** Env-file text: valid lines, malformed ones, multi-line quotes, CRLF, BOM, NUL and random strings. */
export const envFileTextArb: fc.Arbitrary<string> = fc
  .tuple(fc.array(envLineArb, { maxLength: 10 }), fc.constantFrom('\n', '\r\n'), fc.boolean(), fc.boolean())
  .map(([lines, eol, bom, trailing]) => `${bom ? '\uFEFF' : ''}${lines.join(eol)}${trailing ? eol : ''}`);

// ---- text mutations ---------------------------------------------------------------------------------------

const NASTY_INSERTS = [': ', '\t', '- ', '#', '&a ', '*a', '*nope', '!!binary ', '!!set ', '!!omap ', '!custom ', '!!timestamp ', '? ', '|', '>', '{', '}', '[', ']', '"', "'", '${', '$$', '%YAML 1.1\n', '\u0000', '\uFEFF', '\u2028', 'é', '\uD800', '\r', '\r\n', '---\n', '...\n', '@', '`'];
const NASTY_LINES = [
  'x-loop: &a [*a]',
  'x-self: &b { k: *b }',
  '<<: *undefined_anchor',
  '<<: [*undefined_anchor]',
  '<<: 5',
  '__proto__: { polluted: 1 }',
  'constructor: { prototype: { polluted: 1 } }',
  '__proto__:',
  'env: { __proto__: "${services.db.port}" }',
  'port: 1e999',
  'port: 99999999999999999999',
  'port: .nan',
  'port: -.inf',
  'port: 0x1F90',
  'port: 0o17',
  'replicas: !!float 2',
  'command: !!binary aGVsbG8=',
  'command: !!set { a, b }',
  'settings: !!omap [ { a: 1 } ]',
  'when: 2001-12-14t21:59:43.10-05:00',
  '? [complex, key]',
  ': value without key',
  'k: &anchor',
  'dup: 1',
  'dup: 2',
  'x-big: &lol [*a, *a, *a, *a, *a, *a, *a, *a, *a]',
  'depends_on: [constructor, __proto__, toString]',
  'depends_on: { constructor: completed }',
  'env: { A: "${services.constructor.url}", B: "${services.__proto__.port}" }',
];

type Mutation =
  | { readonly kind: 'flip'; readonly at: number; readonly text: string }
  | { readonly kind: 'insert'; readonly at: number; readonly text: string }
  | { readonly kind: 'delete-line' | 'duplicate-line' | 'swap-lines' | 'indent' | 'dedent' | 'tab-indent'; readonly at: number }
  | { readonly kind: 'line'; readonly at: number; readonly text: string; readonly indent: number }
  | { readonly kind: 'deep'; readonly at: number; readonly depth: number; readonly flow: boolean }
  | { readonly kind: 'replace-value'; readonly at: number; readonly text: string }
  | { readonly kind: 'bom' | 'crlf' | 'cr' | 'nul' | 'truncate'; readonly at: number }
  | { readonly kind: 'multi-doc'; readonly text: string };

const insertTextArb = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...NASTY_INSERTS) }, fc.string({ maxLength: 6 }), binaryString(4), templateArb);
const valueTextArb = fc.oneof(fc.constantFrom('&a [*a]', '*undefined', '1e999', '-0', '.inf', '~', '""', '{}', '[]', '!!binary aGk=', "'unterminated", '"unterminated', '|\n  block\n', '${A', '${services.web.port}', '${services.nope.url}', '$$', '${A:-${B:-${C}}}', 'x'.repeat(5000), '__proto__', '{ __proto__: { polluted: 1 } }'), templateArb, fc.string({ maxLength: 10 }));

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), text: fc.oneof(fc.constantFrom(...NASTY_INSERTS), anyCharArb) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: insertTextArb }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constantFrom('delete-line' as const, 'duplicate-line' as const, 'swap-lines' as const, 'indent' as const, 'dedent' as const, 'tab-indent' as const), at: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('line' as const), at: fc.nat(), text: fc.constantFrom(...NASTY_LINES), indent: fc.constantFrom(0, 2, 4, 6, 1) }) },
  // Deep nesting is rare and mostly moderate: a few-thousand-level file takes the YAML parser a few hundred ms.
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('deep' as const), at: fc.nat(), depth: fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 10, max: 120 }) }, { weight: 1, arbitrary: fc.integer({ min: 500, max: 5000 }) }), flow: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('replace-value' as const), at: fc.nat(), text: valueTextArb }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constantFrom('bom' as const, 'crlf' as const, 'cr' as const, 'nul' as const, 'truncate' as const), at: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('multi-doc' as const), text: fc.constantFrom('', 'services: {}\n', '--- !!str\n', 'x: 1\n...\n') }) },
);

function applyMutation(text: string, m: Mutation): string {
  const lines = text.split('\n');
  const lineAt = 'at' in m ? m.at % Math.max(1, lines.length) : 0;
  const charAt = 'at' in m ? m.at % (text.length + 1) : 0;
  const current = lines[lineAt] ?? '';
  const setLines = (next: string[]) => next.join('\n');
  switch (m.kind) {
    case 'flip':
      return text.slice(0, charAt) + m.text + text.slice(charAt + 1);
    case 'insert':
      return text.slice(0, charAt) + m.text + text.slice(charAt);
    case 'delete-line':
      return setLines(lines.filter((_, i) => i !== lineAt));
    case 'duplicate-line':
      return setLines([...lines.slice(0, lineAt + 1), current, ...lines.slice(lineAt + 1)]);
    case 'swap-lines': {
      const next = [...lines];
      const other = (lineAt + 1) % lines.length;
      next[lineAt] = lines[other] ?? '';
      next[other] = current;
      return setLines(next);
    }
    case 'indent':
      return setLines(lines.map((l, i) => (i === lineAt ? `  ${l}` : l)));
    case 'dedent':
      return setLines(lines.map((l, i) => (i === lineAt ? l.replace(/^ {1,2}/, '') : l)));
    case 'tab-indent':
      return setLines(lines.map((l, i) => (i === lineAt ? l.replace(/^ {2}/, '\t') : l)));
    case 'line': {
      const indent = (/^ */.exec(current)?.[0].length ?? 0) + m.indent - 2;
      return setLines([...lines.slice(0, lineAt + 1), `${' '.repeat(Math.max(0, indent))}${m.text}`, ...lines.slice(lineAt + 1)]);
    }
    case 'deep': {
      const nested = m.flow ? `${'['.repeat(m.depth)}1${']'.repeat(m.depth)}` : Array.from({ length: Math.min(m.depth, 400) }, (_, i) => `\n${' '.repeat(i + 6)}k${String(i)}:`).join('') + ' 1';
      return setLines(lines.map((l, i) => (i === lineAt ? l.replace(/:(\s.*)?$/, `: ${nested}`) : l)));
    }
    case 'replace-value':
      return setLines(lines.map((l, i) => (i === lineAt ? l.replace(/: .*$/, `: ${m.text}`) : l)));
    case 'bom':
      return `\uFEFF${text}`;
    case 'crlf':
      return text.replace(/\n/g, '\r\n');
    case 'cr':
      return text.replace(/\n/g, '\r');
    case 'nul':
      return text.slice(0, charAt) + '\u0000' + text.slice(charAt);
    case 'truncate':
      return text.slice(0, charAt);
    case 'multi-doc':
      return `${text}\n---\n${m.text}`;
  }
}

/** Realistic stack files to mutate: the design's example, anchors and merges, environments, env interpolation. */
export const SEED_STACKS: readonly string[] = [
  `# berth.yml — the stack of field note 4, run natively
name: senex
env_file: .env

services:
  postgres:
    recipe: postgres
    port: 5432
    data: ./data/postgres
    database: senex
    password: \${DB_PASSWORD}
    backup: { schedule: "0 2 * * *", keep: { daily: 7, weekly: 4 } }

  redis:
    recipe: redis
    port: 6379
    data: ./data/redis
    args: [--maxmemory, 512mb, --maxmemory-policy, allkeys-lru]

  web:
    command: daphne -b 127.0.0.1 -p $PORT senex.asgi:application
    build: { command: pip install -r requirements.txt, inputs: [requirements.txt] }
    release: python manage.py migrate --noinput
    env: { DATABASE_URL: "\${services.postgres.url}", REDIS_URL: "\${services.redis.url}" }
    depends_on: [postgres, redis]
    http: {}
    ready: { http: /health/simple/ }
    live:  { http: /health/simple/, interval: 10s, failures: 3 }
    routes: [{ host: senex.example.com }]

  worker:
    command: celery -A senex worker
    depends_on: [postgres, redis]
    ready: { log: "celery@\\\\S+ ready" }
    stop: { timeout: 60s }

  beat:
    command: celery -A senex beat
    depends_on: [redis]
    singleton: true

jobs:
  token-refresh: { command: python token_refresher.py, every: 5m, overlap: forbid }

edge:
  listen: { http: 80, https: 443 }
  tls: { acme: { email: ops@example.com } }

alerts:
  - telegram: { token: "\${API_TOKEN}", chat: "-1001234" }
  - email: { to: ops@example.com, smtp: "\${SMTP_URL}" }

environments:
  staging: { edge: { tls: { acme: { directory: staging } } } }
`,
  `x-app: &app
  restart: on-failure
  env:
    HOST: \${HOST:-127.0.0.1}
    LEVEL: "\${LEVEL:-\${DEFAULT_LEVEL:-info}}"
  stop: { signal: SIGINT, timeout: 5s }

services:
  api:
    <<: *app
    command: [node, dist/api.js, --port, $PORT]
    http: {}
    ready: { http: { path: /up, status: [200, 204] } }
    routes:
      - host: api.example.com
        path: /v1
        strip_prefix: true
        rate_limit: { rps: 20, burst: 40 }
  worker:
    <<: *app
    command: node dist/worker.js
    depends_on: { api: started, cache: ready }
  cache:
    recipe: redis
    data: ./data/redis
    password: \${REDIS_PASSWORD:-dev-only-pass}
  site:
    static: { dir: ./public, fallback: index.html }
    routes: [{ host: "*.example.com" }]
`,
  `name: shop
env:
  SHARED: $$literal
  PRICE: \${PRICE:-10}
services:
  db:
    recipe: postgres
    data: ./data/pg
    settings: { shared_buffers: 128MB }
  migrate:
    command: ./manage migrate
    oneshot: true
    depends_on: { db: { condition: ready } }
  app:
    command: ./serve --port \${PORT}
    port: \${APP_PORT:-8080}
    depends_on:
      db: ready
      migrate: completed
    env_file: [other.env]
    live: { tcp: true, interval: 5s }
    logs: { max_size: 20mb, keep: 3 }
    deploy: { strategy: overlap }
jobs:
  nightly:
    command: [./backup.sh]
    schedule: "30 3 * * *"
    timeout: 1h
    depends_on: [db]
alerts:
  channels:
    - webhook: { url: "https://hooks.example/x", secret: "\${API_TOKEN}" }
  events: { deploy_succeeded: true }
  down_after: 2m
deploy:
  keep: 3
  hooks: { pre: ["./check.sh"], post: [[./notify, done]] }
environments:
  prod:
    services:
      app: { replicas: 2, env: { MODE: production } }
    env: { PRICE: "20" }
`,
  `services:
  web:
    command: node server.js
    http: {}
`,
];

/** A seed stack with one to six mutations applied. */
export const mutatedStackArb: fc.Arbitrary<string> = fc.tuple(fc.constantFrom(...SEED_STACKS), fc.array(mutationArb, { minLength: 1, maxLength: 6 })).map(([seed, mutations]) => mutations.reduce(applyMutation, seed));
