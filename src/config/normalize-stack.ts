// Turns validated stack data into the ResolvedStack: one form for every field, defaults that depend on
// other fields (recipe ports and probes, deploy strategy), absolute paths, merged environments.
import { isAbsolute, resolve } from 'node:path';
import type { PendingPart } from './interpolate.js';
import { defaultDatabaseName, fixedPort } from './resolve-references.js';
import type { Condition, ResolvedCommand, ResolvedJob, ResolvedProbe, ResolvedService, ResolvedStack } from './resolved-stack.js';
import type { ServiceOutput, StackOutput } from './schema/stack.js';

export interface NormalizeContext {
  readonly file: string;
  readonly root: string;
  readonly name: string;
  readonly environment: string | null;
  /** Values of the stack-wide env files. */
  readonly stackEnvFile: ReadonlyMap<string, string>;
  /** Values of each service's or job's own env files, by name. */
  readonly ownEnvFiles: ReadonlyMap<string, ReadonlyMap<string, string>>;
  readonly late: ReadonlyMap<string, Record<string, readonly PendingPart[]>>;
}

type ProbeOutput = NonNullable<ServiceOutput['ready']>;

/** Builds the ResolvedStack (not yet frozen). */
export function normalizeStack(stack: StackOutput, context: NormalizeContext): ResolvedStack {
  const stackEnv = { ...Object.fromEntries(context.stackEnvFile), ...stringifyValues(stack.env) };
  const services: Record<string, ResolvedService> = {};
  for (const [name, service] of Object.entries(stack.services)) services[name] = normalizeService(name, service, stackEnv, context);
  const jobs: Record<string, ResolvedJob> = {};
  for (const [name, job] of Object.entries(stack.jobs)) {
    const own = Object.fromEntries(context.ownEnvFiles.get(`jobs.${name}`) ?? new Map<string, string>());
    const env: Record<string, string> = { ...stackEnv, ...own, ...stringifyValues(job.env) };
    const late = mergeLate(context, `jobs.${name}`, job.env);
    for (const key of Object.keys(late)) delete env[key];
    jobs[name] = { ...job, name, command: toCommand(job.command), cwd: absolute(context.root, job.cwd ?? '.'), env, late_env: late };
  }
  const routed = Object.values(services).some((s) => s.routes.length > 0 || s.static !== null);
  const edge = stack.edge ?? (routed ? { listen: { http: 80, https: 443, address: '0.0.0.0' }, workers: 'auto' as const, trusted_proxies: [] } : null);
  const alerts = Array.isArray(stack.alerts) || stack.alerts === undefined ? { channels: stack.alerts ?? [], events: defaultEvents(), down_after: '60s', disk_threshold: 90, rate_limit: 10 } : stack.alerts;
  return { name: context.name, file: context.file, root: context.root, environment: context.environment, env: stackEnv, services, jobs, edge, alerts, deploy: stack.deploy };
}

function defaultEvents() {
  return { crash_loop: true, watchdog_restart: true, service_down: true, deploy_failed: true, deploy_succeeded: false, backup_failed: true, job_failed: true, cert_expiring: true, disk_full: true, unclean_restart: true };
}

function normalizeService(name: string, service: ServiceOutput, stackEnv: Record<string, string>, context: NormalizeContext): ResolvedService {
  const own = Object.fromEntries(context.ownEnvFiles.get(`services.${name}`) ?? new Map<string, string>());
  const env: Record<string, string> = { ...stackEnv, ...own, ...stringifyValues(service.env) };
  const late = mergeLate(context, name, service.env);
  for (const key of Object.keys(late)) delete env[key];
  const recipe = service.recipe ?? null;
  const port = fixedPort(service);
  const routed = service.routes.length > 0;
  const staticDir = service.static === undefined ? null : typeof service.static === 'string' ? { dir: absolute(context.root, service.static), fallback: null } : { dir: absolute(context.root, service.static.dir), fallback: service.static.fallback ?? null };
  const strategy = service.deploy.strategy ?? (service.singleton || recipe !== null ? 'replace' : routed ? 'blue-green' : 'overlap');
  const implicitReady: ResolvedProbe | null = recipe !== null ? implicitProbe(recipe) : port !== null || service.http !== undefined ? implicitProbe('tcp') : null;
  const {
    command, depends_on: dependsOn, startup, ready, live, env_file: _envFile, build, release, deploy: _deploy, settings, http, cwd, data, backup, password, database, user, bin_dir: binDir, port: _port, recipe: _recipe, static: _static, env: _env,
    restart, backoff, stop, replicas, singleton, oneshot, routes, logs, args, appendfsync, ...rest
  } = service;
  // Why every field by name: one object literal gives every service one fast shape; spreading the rest and adding 24
  // keys made each a slow dictionary-mode object (a fifth of loading a 200-service stack). A new field fails here.
  const _unplaced: Record<string, never> = rest;
  const db = recipe === 'postgres' ? (database ?? defaultDatabaseName(context.name)) : null;
  return {
    restart,
    backoff,
    stop,
    replicas,
    singleton,
    oneshot,
    routes,
    logs,
    args,
    appendfsync,
    name,
    kind: recipe !== null ? 'recipe' : command === undefined ? 'static' : 'process',
    recipe,
    command: command === undefined ? null : toCommand(command),
    cwd: absolute(context.root, cwd ?? '.'),
    env,
    late_env: late,
    build: build === undefined ? null : { command: toCommand(build.command), inputs: build.inputs },
    release: release === undefined ? null : toCommand(release),
    port,
    http: http !== undefined,
    depends_on: normalizeDependsOn(dependsOn),
    startup: startup === undefined ? null : toProbe(startup),
    ready: ready === undefined ? implicitReady : toProbe(ready),
    live: live === undefined ? null : toProbe(live),
    deploy: { strategy },
    static: staticDir,
    data: data === undefined ? null : absolute(context.root, data),
    backup: backup ?? null,
    password: password ?? null,
    database: db,
    user: recipe === 'postgres' ? (user ?? db) : null,
    bin_dir: binDir === undefined ? null : absolute(context.root, binDir),
    settings: stringifyValues(settings),
  };
}

// Stack-wide late values apply unless the owner's own `env` sets the key; the owner's own always apply.
function mergeLate(context: NormalizeContext, owner: string, ownEnv: Readonly<Record<string, unknown>>): Record<string, readonly PendingPart[]> {
  const late: Record<string, readonly PendingPart[]> = {};
  for (const [key, parts] of Object.entries(context.late.get('') ?? {})) if (!Object.hasOwn(ownEnv, key)) late[key] = parts;
  Object.assign(late, context.late.get(owner) ?? {});
  return late;
}

/** Turns a command from the file into its resolved form. */
export function toCommand(command: string | readonly string[]): ResolvedCommand {
  return typeof command === 'string' ? { shell: command } : { argv: [...command] };
}

function normalizeDependsOn(value: ServiceOutput['depends_on']): Record<string, { condition: Condition }> {
  const out: Record<string, { condition: Condition }> = {};
  if (Array.isArray(value)) {
    for (const name of value) out[name] = { condition: 'ready' };
    return out;
  }
  for (const [name, spec] of Object.entries(value)) out[name] = { condition: typeof spec === 'string' ? spec : spec.condition };
  return out;
}

const PROBE_TIMING = { interval: '10s', timeout: '2s', failures: 3, start_timeout: '60s' } as const;

function implicitProbe(kind: 'tcp' | 'postgres' | 'redis'): ResolvedProbe {
  return { kind, http: null, tcp: kind === 'tcp' ? { port: null } : null, exec: null, log: null, ...PROBE_TIMING, start_timeout: kind === 'postgres' ? '120s' : '60s', implicit: true };
}

function toProbe(probe: ProbeOutput): ResolvedProbe {
  const timing = { interval: probe.interval, timeout: probe.timeout, failures: probe.failures, start_timeout: probe.start_timeout, implicit: false };
  const empty = { http: null, tcp: null, exec: null, log: null };
  if (probe.http !== undefined) {
    const http = typeof probe.http === 'string' ? { path: probe.http, status: [], body: null, port: null } : { path: probe.http.path, status: probe.http.status === undefined ? [] : [probe.http.status].flat(), body: probe.http.body ?? null, port: probe.http.port ?? null };
    return { kind: 'http', ...empty, http, ...timing };
  }
  if (probe.tcp !== undefined) return { kind: 'tcp', ...empty, tcp: { port: probe.tcp === true ? null : probe.tcp }, ...timing };
  if (probe.exec !== undefined) return { kind: 'exec', ...empty, exec: toCommand(probe.exec), ...timing };
  if (probe.log !== undefined) return { kind: 'log', ...empty, log: probe.log, ...timing };
  return { kind: probe.postgres === true ? 'postgres' : probe.redis === true ? 'redis' : 'notify', ...empty, ...timing };
}

function stringifyValues(values: Readonly<Record<string, string | number | boolean>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(values)) out[key] = String(value);
  return out;
}

function absolute(root: string, path: string): string {
  return isAbsolute(path) ? path : resolve(root, path);
}
