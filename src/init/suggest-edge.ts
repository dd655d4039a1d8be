// When compose ran a reverse proxy, Berth's edge takes its place: suggest routes on the services it fronted
// and an `edge:` section, as comments (the hosts are not in the compose file).
import type { InitDraft } from './init-draft.js';

/** Adds edge suggestions to `draft` (mutated) for each dropped proxy. */
export function suggestEdge(draft: InitDraft): void {
  const proxies = draft.dropped.filter((d) => d.kind === 'proxy');
  if (proxies.length === 0) return;
  for (const proxy of proxies) {
    for (const upstream of proxy.upstreams) {
      const service = draft.services.find((s) => s.name === upstream);
      if (service === undefined) continue;
      const needsHttp = !service.fields.has('http') && !service.fields.has('port') && !service.fields.has('recipe');
      service.notes.push(`routes: [{ host: app.example.com }]   # ${proxy.name} fronted this service in compose; the edge routes to it instead${needsHttp ? ' (give it http: {} or a port)' : ''}`);
    }
  }
  const names = proxies.map((p) => p.name).join(', ');
  draft.notes.push([`Berth's edge replaces ${names}: once services have \`routes:\`, it listens on 80/443; for certificates add`, 'edge:', '  tls: { acme: { email: you@example.com } }'].join('\n'));
}
