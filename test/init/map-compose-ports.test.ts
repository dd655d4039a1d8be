import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mapComposePorts } from '../../src/init/map-compose-ports.js';

describe('mapComposePorts', () => {
  it('uses the container port and keeps the host mapping in the comment', () => {
    const mapped = mapComposePorts(['127.0.0.1:3401:3001'], undefined);
    assert.equal(mapped.port, 3001);
    assert.match(mapped.comment ?? '', /"127\.0\.0\.1:3401:3001"/);
  });

  it('reads a host variable with a default, a bare number and the long syntax', () => {
    assert.equal(mapComposePorts(['${API_PORT:-3001}:3001'], undefined).port, 3001);
    assert.equal(mapComposePorts([8080], undefined).port, 8080);
    assert.equal(mapComposePorts([{ target: 80, published: 8080, host_ip: '127.0.0.1' }], undefined).port, 80);
  });

  it('notes UDP, ranges and extra ports instead of mapping them', () => {
    const mapped = mapComposePorts(['8000:8000', '9000:9000', '53:53/udp', '3000-3005:3000-3005'], undefined);
    assert.equal(mapped.port, 8000);
    assert.equal(mapped.notes.length, 3);
    assert.match(mapped.notes.join('\n'), /53:53\/udp.*TCP/);
    assert.match(mapped.notes.join('\n'), /3000-3005 is not a single port/);
    assert.match(mapped.notes.join('\n'), /9000:9000.*one port/);
  });

  it('falls back to expose', () => {
    const mapped = mapComposePorts(undefined, ['8080']);
    assert.equal(mapped.port, 8080);
    assert.match(mapped.comment ?? '', /only to other containers/);
  });
});
