// The one route every edge bench serves: any host, `/`, to one upstream, no limits or auth.
import type { RouteTable } from '../../src/edge/edge-types.js';

export function makeBenchRouteTable(upstreamPort: number): RouteTable {
  return {
    version: 1,
    trustedProxies: [],
    routes: [{
      id: 'app#0',
      host: null,
      path: '/',
      stripPrefix: false,
      websocket: true,
      rateLimit: null,
      auth: null,
      maxBody: 10 * 1024 * 1024,
      target: { kind: 'service', service: 'app', upstreams: [{ host: '127.0.0.1', port: upstreamPort }] },
    }],
  };
}
