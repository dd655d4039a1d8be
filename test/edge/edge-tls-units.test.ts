import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readChallengeToken } from '../../src/edge/acme-challenges.js';
import { httpsLocation } from '../../src/edge/https-redirect.js';
import { checkEdgeCerts, edgeCiphers, lookupServerName } from '../../src/edge/tls-contexts.js';
import { makeRoute, resolveByHost, send, serviceTarget, startEchoUpstream, startEdge } from './edge-fixtures.js';

describe('SNI lookup', () => {
  const map = new Map([['a.test', 'a'], ['*.w.test', 'w'], ['x.w.test', 'x'], ['*.test', 't']]);
  it('takes the exact name first, then the wildcard exactly one label up', () => {
    assert.equal(lookupServerName(map, 'a.test'), 'a');
    assert.equal(lookupServerName(map, 'A.TEST.'), 'a');
    assert.equal(lookupServerName(map, 'x.w.test'), 'x');
    assert.equal(lookupServerName(map, 'y.w.test'), 'w');
    assert.equal(lookupServerName(map, 'w.test'), 't');
    assert.equal(lookupServerName(map, 'z.y.w.test'), undefined);
    assert.equal(lookupServerName(map, 'test'), undefined);
    assert.equal(lookupServerName(map, ''), undefined);
    assert.equal(lookupServerName(map, '.test'), undefined);
  });
});

describe('the HTTPS redirect target', () => {
  it('keeps host and request target, drops the HTTP port, adds the HTTPS one unless 443', () => {
    assert.equal(httpsLocation('App.Example.com:8080', '/a/b?c=1', 443), 'https://app.example.com/a/b?c=1');
    assert.equal(httpsLocation('example.com', '/', 8443), 'https://example.com:8443/');
    assert.equal(httpsLocation('[::1]:80', '/x', 443), 'https://[::1]/x');
    assert.equal(httpsLocation('127.0.0.1', '//double', 443), 'https://127.0.0.1//double');
    assert.equal(httpsLocation('example.com', '/caf\u00e9 x', 443), 'https://example.com/caf%E9%20x');
  });
  it('refuses what it cannot redirect: no or odd host, a target not in origin form', () => {
    assert.equal(httpsLocation(undefined, '/', 443), null);
    assert.equal(httpsLocation('', '/', 443), null);
    assert.equal(httpsLocation('evil.com/x', '/', 443), null);
    assert.equal(httpsLocation('a@b', '/', 443), null);
    assert.equal(httpsLocation('example.com', 'http://other/', 443), null);
    assert.equal(httpsLocation('example.com', '*', 443), null);
  });
});

describe('ACME challenge paths', () => {
  it('reads the token, ignoring a query', () => {
    assert.equal(readChallengeToken('/.well-known/acme-challenge/abc_-1'), 'abc_-1');
    assert.equal(readChallengeToken('/.well-known/acme-challenge/abc?x=1'), 'abc');
    assert.equal(readChallengeToken('/.well-known/acme-challeng/abc'), null);
  });

  it('leaves the path to the routes when the edge has no answers and no HTTPS; HEAD is answered without a body', async () => {
    const upstream = await startEchoUpstream('app');
    const edge = await startEdge({ resolve: resolveByHost({ 'a.test': makeRoute({ target: serviceTarget(upstream.upstream) }) }) });
    try {
      const routed = await send(edge.port, { path: '/.well-known/acme-challenge/t', headers: { host: 'a.test' } });
      assert.equal(routed.status, 200);
      edge.edge.setChallenges({ t: 't.key' });
      assert.equal((await send(edge.port, { path: '/.well-known/acme-challenge/t', headers: { host: 'a.test' } })).body, 't.key');
      const head = await send(edge.port, { method: 'HEAD', path: '/.well-known/acme-challenge/t', headers: { host: 'nowhere' } });
      assert.deepEqual([head.status, head.body, head.headers['content-length']], [200, '', '5']);
      assert.equal((await send(edge.port, { path: '/.well-known/acme-challenge/u', headers: { host: 'a.test' } })).status, 404);
    } finally {
      await edge.close();
      await upstream.close();
    }
  });
});

describe('certificate checks', () => {
  it('names the hosts of a certificate that does not load, and uses only modern suites', () => {
    const problem = checkEdgeCerts([{ hosts: ['a.test'], cert: 'not a certificate', key: 'not a key' }]);
    assert.deepEqual(problem?.hosts, ['a.test']);
    assert.equal(checkEdgeCerts([]), null);
    for (const suite of edgeCiphers.split(':')) assert.match(suite, /^(TLS_|ECDHE-(ECDSA|RSA)-)(AES\d+-GCM|AES_\d+_GCM|CHACHA20)/);
  });
});
