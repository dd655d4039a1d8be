import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diagnosticsOf, loadText, only, position } from '../../helpers/temp-stack.js';

const codes = (result: Parameters<typeof diagnosticsOf>[0]) => diagnosticsOf(result).map((d) => d.code);

describe('lint: port conflicts (BERTH_E_PORT_CONFLICT)', () => {
  it('two services on one fixed port: points at the second `port:`', () => {
    const result = loadText('services:\n  api:\n    command: ./api\n    port: 3000\n  admin:\n    command: ./admin\n    port: 3000\n');
    const d = only(result, 'BERTH_E_PORT_CONFLICT');
    assert.equal(d.message, 'port 3000 is used by both api and admin');
    assert.equal(d.path, 'services.admin.port');
    assert.equal(position(d), '7:11');
    assert.equal(d.found, '3000, already used by api');
    assert.match(d.expected ?? '', /a port no other service uses/);
    assert.match(d.hint, /http: \{\}/);
  });

  it('a recipe on its default port against a fixed port: points at the recipe', () => {
    const result = loadText('services:\n  legacy:\n    command: ./pg-proxy\n    port: 5432\n  db:\n    recipe: postgres\n    data: ./data/db\n');
    const d = only(result, 'BERTH_E_PORT_CONFLICT');
    assert.equal(d.path, 'services.db.recipe');
    assert.equal(position(d), '6:13');
    assert.match(d.message, /5432/);
  });

  it('a service on the edge\'s port', () => {
    const result = loadText('services:\n  web:\n    command: ./web\n    http: {}\n    routes: [{ host: shop.example.com }]\n  metrics:\n    command: ./metrics\n    port: 80\n');
    const d = only(result, 'BERTH_E_PORT_CONFLICT');
    assert.equal(d.message, 'port 80 is used by both the edge (http) and metrics');
    assert.equal(position(d), '8:11');
  });

  it('the edge\'s https port counts only when TLS is on', () => {
    const base = 'services:\n  web:\n    command: ./web\n    http: {}\n    routes: [{ host: shop.example.com }]\n  admin:\n    command: ./admin\n    port: 443\n';
    assert.ok(loadText(base).ok);
    const tls = loadText(`${base}edge:\n  tls: { acme: { email: ops@example.com } }\n`);
    assert.equal(only(tls, 'BERTH_E_PORT_CONFLICT').message, 'port 443 is used by both the edge (https) and admin');
  });

  it('does not fire on different ports, assigned ports, or port 80 when nothing is routed', () => {
    assert.ok(loadText('services:\n  a:\n    command: ./a\n    port: 3000\n  b:\n    command: ./b\n    port: 3001\n  c:\n    command: ./c\n    http: {}\n  d:\n    command: ./d\n    http: {}\n').ok);
    assert.ok(loadText('services:\n  web:\n    command: ./web\n    port: 80\n').ok);
  });
});

describe('lint: route conflicts (BERTH_E_ROUTE_CONFLICT)', () => {
  it('two routes on one host + path, with a trailing slash and host case normalised', () => {
    const result = loadText(`services:
  api:
    command: ./api
    http: {}
    routes:
      - host: Shop.Example.com
        path: /api/
  legacy:
    command: ./legacy
    http: {}
    routes:
      - { host: shop.example.com, path: /api }
`);
    const d = only(result, 'BERTH_E_ROUTE_CONFLICT');
    assert.equal(d.message, 'route shop.example.com/api is claimed by both api and legacy');
    assert.equal(d.path, 'services.legacy.routes[0]');
    assert.equal(position(d), '12:9');
    assert.equal(d.found, 'shop.example.com/api, already claimed by api');
    assert.match(d.expected ?? '', /claimed once/);
    assert.match(d.hint, /another host or path prefix/);
  });

  it('two routes for any host on `/`', () => {
    const result = loadText('services:\n  a:\n    command: ./a\n    http: {}\n    routes: [{}]\n  b:\n    command: ./b\n    http: {}\n    routes: [{ path: / }]\n');
    assert.match(only(result, 'BERTH_E_ROUTE_CONFLICT').message, /\(any host\)\//);
  });

  it('does not fire on a longer prefix, another host, a wildcard or a plain prefix of a word', () => {
    const result = loadText(`services:
  a:
    command: ./a
    http: {}
    routes:
      - { host: shop.example.com, path: /api }
  b:
    command: ./b
    http: {}
    routes:
      - { host: shop.example.com, path: /api/v2 }
      - { host: shop.example.com, path: /apix }
      - { host: www.example.com, path: /api }
      - { host: "*.example.com", path: /api }
`);
    assert.ok(result.ok, JSON.stringify(codes(result)));
  });
});

describe('lint: routes with nothing behind them (BERTH_E_ROUTE_NO_UPSTREAM)', () => {
  it('fires on a routed service with neither `http` nor `static`, at the `routes` key', () => {
    const result = loadText('services:\n  api:\n    command: ./api\n    port: 8000\n    routes: [{ host: api.example.com }]\n');
    const d = only(result, 'BERTH_E_ROUTE_NO_UPSTREAM');
    assert.equal(d.path, 'services.api.routes');
    assert.equal(position(d), '5:5');
    assert.equal(d.found, 'neither');
    assert.match(d.expected ?? '', /`http: \{\}` or `static:`/);
    assert.match(d.hint, /Berth assigns \$PORT/);
  });

  it('does not fire with `http: {}` or with `static:`', () => {
    assert.ok(loadText('services:\n  api:\n    command: ./api\n    http: {}\n    routes: [{ host: api.example.com }]\n').ok);
    assert.ok(loadText('services:\n  site:\n    static: ./public\n    routes: [{ host: www.example.com }]\n').ok);
  });
});

describe('lint: binding 0.0.0.0 behind the edge (BERTH_W_BIND_ALL_INTERFACES)', () => {
  it('warns for a routed command that binds 0.0.0.0, and the stack still loads', () => {
    const result = loadText('services:\n  web:\n    command: gunicorn -b 0.0.0.0:$PORT app:wsgi\n    http: {}\n    routes: [{ host: shop.example.com }]\n');
    assert.ok(result.ok);
    const d = only(result, 'BERTH_W_BIND_ALL_INTERFACES');
    assert.equal(d.severity, 'warning');
    assert.equal(d.path, 'services.web.command');
    assert.equal(position(d), '3:14');
    assert.equal(d.expected, '127.0.0.1');
    assert.equal(d.found, '0.0.0.0');
    assert.match(d.hint, /bind 127\.0\.0\.1/);
  });

  it('warns for a HOST variable, pointing at the service `env` or the stack-wide `env` that sets it', () => {
    const own = only(loadText('services:\n  web:\n    command: ./web\n    http: {}\n    env: { HOST: 0.0.0.0 }\n    routes: [{ host: a.example.com }]\n'), 'BERTH_W_BIND_ALL_INTERFACES');
    assert.equal(own.path, 'services.web.env.HOST');
    assert.equal(position(own), '5:18');
    const shared = only(loadText('env:\n  BIND_ADDR: 0.0.0.0\nservices:\n  web:\n    command: ./web\n    http: {}\n    routes: [{ host: a.example.com }]\n'), 'BERTH_W_BIND_ALL_INTERFACES');
    assert.equal(shared.path, 'env.BIND_ADDR');
    assert.equal(position(shared), '2:14');
  });

  it('does not fire on 127.0.0.1, nor on a service the edge does not front', () => {
    for (const text of [
      'services:\n  web:\n    command: gunicorn -b 127.0.0.1:$PORT app:wsgi\n    http: {}\n    routes: [{ host: a.example.com }]\n',
      'services:\n  metrics:\n    command: ./exporter --listen 0.0.0.0:9100\n    port: 9100\n',
      'services:\n  web:\n    command: ./web --version 10.0.0.01\n    http: {}\n    routes: [{ host: a.example.com }]\n',
    ]) {
      const result = loadText(text);
      assert.ok(result.ok);
      assert.deepEqual(codes(result), [], text);
    }
  });
});

describe('lint: wildcard hosts need DNS-01 (BERTH_E_WILDCARD_NEEDS_DNS)', () => {
  const stack = (tls: string): string => `services:\n  web:\n    command: ./web\n    http: {}\n    routes:\n      - host: shop.example.com\n      - host: "*.shop.example.com"\nedge:\n  tls: ${tls}\n`;

  it('points at the wildcard host when ACME has no dns_hook', () => {
    const d = only(loadText(stack('{ acme: { email: ops@example.com } }')), 'BERTH_E_WILDCARD_NEEDS_DNS');
    assert.equal(d.message, 'no certificate can be obtained for *.shop.example.com: a wildcard needs the DNS-01 challenge');
    assert.equal(d.path, 'services.web.routes[1].host');
    assert.equal(position(d), '7:15');
    assert.match(d.hint, /dns_hook/);
    assert.equal(d.found, 'neither');
  });

  it('does not fire with a dns_hook, with a certificate file for the host, or without ACME', () => {
    assert.ok(loadText(stack('{ acme: { email: ops@example.com, dns_hook: ./hook.sh } }')).ok);
    assert.ok(loadText(stack('{ acme: { email: ops@example.com }, certs: [{ host: "*.shop.example.com", cert: a.pem, key: a.key }] }')).ok);
    assert.ok(loadText(stack('{ certs: [{ host: "*.shop.example.com", cert: a.pem, key: a.key }] }')).ok);
  });
});
