// Lint rules on ports and routes: conflicts, routes with nothing behind them, services exposed past the edge.
import { createDiagnostic, type Diagnostic } from '../../errors/diagnostic.js';
import { at, rawAt, type LintContext } from './lint-context.js';

/** Two services (or a service and the edge) on one fixed port. */
export function lintPortConflicts(context: LintContext): Diagnostic[] {
  const owners = new Map<number, string>();
  const edge = context.stack.edge;
  if (edge !== null) {
    owners.set(edge.listen.http, 'the edge (http)');
    if (edge.tls !== undefined) owners.set(edge.listen.https, 'the edge (https)');
  }
  const out: Diagnostic[] = [];
  for (const service of Object.values(context.stack.services)) {
    if (service.port === null) continue;
    const first = owners.get(service.port);
    if (first === undefined) {
      owners.set(service.port, service.name);
      continue;
    }
    const explicit = rawAt(context.raw, ['services', service.name, 'port']) !== undefined;
    const where = at(context, explicit ? ['services', service.name, 'port'] : ['services', service.name, 'recipe']);
    out.push(createDiagnostic('BERTH_E_PORT_CONFLICT', { ...where, service: service.name, params: { port: service.port, first, second: service.name }, expected: 'a port no other service uses', found: `${String(service.port)}, already used by ${first}` }));
  }
  return out;
}

function routeKey(host: string | undefined, path: string): string {
  const trimmed = path.length > 1 ? path.replace(/\/+$/, '') : path;
  return `${(host ?? '*').toLowerCase()}${trimmed}`;
}

/** Two routes claiming one host + path prefix. */
export function lintRouteConflicts(context: LintContext): Diagnostic[] {
  const claimed = new Map<string, string>();
  const out: Diagnostic[] = [];
  for (const service of Object.values(context.stack.services)) {
    service.routes.forEach((route, index) => {
      const key = routeKey(route.host, route.path);
      const first = claimed.get(key);
      if (first === undefined) {
        claimed.set(key, service.name);
        return;
      }
      const shown = `${route.host ?? '(any host)'}${route.path}`;
      out.push(createDiagnostic('BERTH_E_ROUTE_CONFLICT', { ...at(context, ['services', service.name, 'routes', index]), service: service.name, params: { route: shown, first, second: service.name }, expected: 'each host + path claimed once', found: `${shown}, already claimed by ${first}` }));
    });
  }
  return out;
}

/** A wildcard host whose certificate would come from ACME, which needs DNS-01, without a `dns_hook`. */
export function lintWildcardWithoutDnsHook(context: LintContext): Diagnostic[] {
  const tls = context.stack.edge?.tls;
  if (tls?.acme === undefined || tls.acme.dns_hook !== undefined) return [];
  const fromFiles = new Set(tls.certs.map((c) => c.host.toLowerCase()));
  const out: Diagnostic[] = [];
  for (const service of Object.values(context.stack.services)) {
    service.routes.forEach((route, index) => {
      if (route.host?.startsWith('*.') !== true || fromFiles.has(route.host.toLowerCase())) return;
      out.push(createDiagnostic('BERTH_E_WILDCARD_NEEDS_DNS', { ...at(context, ['services', service.name, 'routes', index, 'host']), service: service.name, params: { host: route.host }, expected: '`edge.tls.acme.dns_hook` (DNS-01), or a certificate file for the host in `edge.tls.certs`', found: 'neither' }));
    });
  }
  return out;
}

/** Routes on a service that has neither `http` nor `static`. */
export function lintRoutesWithoutUpstream(context: LintContext): Diagnostic[] {
  return Object.values(context.stack.services)
    .filter((s) => s.routes.length > 0 && !s.http && s.static === null)
    .map((s) => createDiagnostic('BERTH_E_ROUTE_NO_UPSTREAM', { ...at(context, ['services', s.name, 'routes'], 'key'), service: s.name, params: { service: s.name }, expected: '`http: {}` or `static:` on a routed service', found: 'neither' }));
}

/** A routed service that binds 0.0.0.0, so it is reachable around the edge. */
export function lintBindAllInterfaces(context: LintContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const service of Object.values(context.stack.services)) {
    if (service.routes.length === 0 || service.command === null) continue;
    const command = 'shell' in service.command ? service.command.shell : service.command.argv.join(' ');
    const inEnv = Object.entries(service.env).find(([key, value]) => value === '0.0.0.0' && /HOST|BIND|ADDR/i.test(key));
    if (!/(^|[\s=:'"])0\.0\.0\.0([\s:'"]|$)/.test(command) && inEnv === undefined) continue;
    const path = inEnv === undefined ? ['services', service.name, 'command'] : envPath(context, service.name, inEnv[0]);
    out.push(createDiagnostic('BERTH_W_BIND_ALL_INTERFACES', { ...at(context, path), service: service.name, params: { service: service.name }, expected: '127.0.0.1', found: '0.0.0.0' }));
  }
  return out;
}

// Where an env value is written: the service's own `env`, else the stack-wide `env` it inherits.
function envPath(context: LintContext, service: string, key: string): string[] {
  const own = ['services', service, 'env', key];
  return rawAt(context.raw, own) === undefined && rawAt(context.raw, ['env', key]) !== undefined ? ['env', key] : own;
}
