import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveClientIp } from '../../src/edge/forwarded-headers.js';
import { compileTrustedProxies, isTrustedPeer, normalizePeerAddress } from '../../src/edge/trusted-proxies.js';

describe('trusted proxies', () => {
  const trusted = compileTrustedProxies(['10.0.0.0/8', '192.168.1.7', 'fd00::/8']);

  it('matches IPs and CIDRs of both families, and IPv4-mapped peers as IPv4', () => {
    assert.equal(isTrustedPeer(trusted, '10.1.2.3'), true);
    assert.equal(isTrustedPeer(trusted, '11.0.0.1'), false);
    assert.equal(isTrustedPeer(trusted, '192.168.1.7'), true);
    assert.equal(isTrustedPeer(trusted, '192.168.1.8'), false);
    assert.equal(isTrustedPeer(trusted, 'fd12::1'), true);
    assert.equal(isTrustedPeer(trusted, normalizePeerAddress('::ffff:10.9.9.9')), true);
    assert.equal(isTrustedPeer(compileTrustedProxies([]), '10.1.2.3'), false);
  });

  it('refuses entries that are not addresses', () => {
    assert.throws(() => compileTrustedProxies(['10.0.0.0/33']), /not an IP address or CIDR/);
    assert.throws(() => compileTrustedProxies(['proxy.example.com']), /not an IP address or CIDR/);
  });

  it('takes the client address from the nearest untrusted X-Forwarded-For hop, only behind a trusted peer', () => {
    const headers = { 'x-forwarded-for': '6.6.6.6, 1.2.3.4, 10.0.0.5' };
    assert.equal(resolveClientIp(headers, { address: '10.0.0.1', trusted: true, proto: 'http' }, trusted), '1.2.3.4');
    assert.equal(resolveClientIp(headers, { address: '8.8.8.8', trusted: false, proto: 'http' }, trusted), '8.8.8.8');
  });
});
