// Compose services that Berth replaces rather than runs: reverse proxies and TLS (the edge), certbot (ACME).
import type { DroppedService } from './init-draft.js';
import type { ServiceDirectory } from './map-compose-environment.js';

const PROXIES = new Set(['nginx', 'caddy', 'traefik', 'haproxy', 'openresty', 'envoy', 'httpd', 'nginx-proxy', 'swag']);
const CERTBOTS = new Set(['certbot', 'acme.sh', 'acme-companion', 'letsencrypt-nginx-proxy-companion']);

/** A dropped-service record when the compose service is a proxy or certbot, else undefined. */
export function classifyInfrastructure(composeName: string, image: string | undefined, raw: Readonly<Record<string, unknown>>, context: { readonly file: string; readonly directory: ServiceDirectory }): DroppedService | undefined {
  const base = image === undefined ? undefined : image.replace(/[@:][^/]*$/, '').split('/').pop();
  const kind = kindOf(base ?? composeName);
  if (kind === undefined) return undefined;
  const name = context.directory.get(composeName)?.name ?? composeName;
  const what = image === undefined ? `compose service ${composeName}` : `${composeName} (${image})`;
  const upstreams = readUpstreams(raw.depends_on).flatMap((n) => {
    const target = context.directory.get(n)?.name;
    return target === undefined ? [] : [target];
  });
  const reason =
    kind === 'proxy'
      ? `${what}: Berth's built-in edge is the reverse proxy and terminates TLS; give the services it fronted \`routes:\` and add an \`edge:\` section (see below)`
      : `${what}: the edge obtains and renews certificates itself with \`edge: { tls: { acme: { email } } }\``;
  return { name, source: context.file, reason, kind, upstreams };
}

function kindOf(name: string): 'proxy' | 'certbot' | undefined {
  if (PROXIES.has(name)) return 'proxy';
  return CERTBOTS.has(name) ? 'certbot' : undefined;
}

function readUpstreams(dependsOn: unknown): string[] {
  if (Array.isArray(dependsOn)) return dependsOn.filter((d): d is string => typeof d === 'string');
  return dependsOn !== null && typeof dependsOn === 'object' ? Object.keys(dependsOn) : [];
}
