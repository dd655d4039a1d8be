import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { Client } from 'undici';
import { serveStatic, type StaticTarget } from '../../src/edge/serve-static.js';

const SECRET = 'TOP-SECRET-do-not-serve';
const APP_JS = 'console.log("app");\n'.repeat(50);
const INDEX = '<!doctype html><title>spa</title>\n';
const BIG_SIZE = 8 * 1024 * 1024;

interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
}

interface Site {
  readonly client: Client;
  get(path: string, headers?: Record<string, string>, method?: string): Promise<Reply>;
}

const base = realpathSync(mkdtempSync(join(tmpdir(), 'berth-static-')));
const root = join(base, 'site');
const servers: Server[] = [];
const clients: Client[] = [];

function writeTree(): void {
  mkdirSync(join(root, 'docs'), { recursive: true });
  mkdirSync(join(root, 'assets'), { recursive: true });
  mkdirSync(join(root, '.well-known'), { recursive: true });
  mkdirSync(join(root, 'empty-folder'), { recursive: true });
  writeFileSync(join(base, 'secret.txt'), SECRET);
  writeFileSync(join(root, 'index.html'), INDEX);
  writeFileSync(join(root, 'docs', 'index.html'), '<p>docs</p>');
  writeFileSync(join(root, 'app.js'), APP_JS);
  writeFileSync(join(root, 'app.js.br'), brotliCompressSync(APP_JS));
  writeFileSync(join(root, 'app.js.gz'), gzipSync(APP_JS));
  writeFileSync(join(root, 'style.css'), 'body{}');
  writeFileSync(join(root, 'style.css.gz'), gzipSync('body{}'));
  writeFileSync(join(root, 'a b.txt'), 'spaced');
  writeFileSync(join(root, 'font.woff2'), 'w');
  writeFileSync(join(root, 'data.unknownext'), 'x');
  writeFileSync(join(root, '.env'), SECRET);
  writeFileSync(join(root, '.well-known', 'security.txt'), 'Contact: x');
  writeFileSync(join(root, 'big.bin'), Buffer.alloc(BIG_SIZE, 7));
  // Symlinks: out of the folder (a file, a folder, a precompressed sibling) are refused; inside is fine.
  symlinkSync(join(base, 'secret.txt'), join(root, 'leak.txt'));
  symlinkSync(base, join(root, 'leakdir'));
  symlinkSync(join(base, 'secret.txt'), join(root, 'style.css.br'));
  symlinkSync(join(root, 'app.js'), join(root, 'inner-link.js'));
  utimesSync(join(root, 'app.js'), new Date('2024-03-01T12:00:00.500Z'), new Date('2024-03-01T12:00:00.500Z'));
}

async function startSite(target: StaticTarget): Promise<Site> {
  const server = createServer((request, response) => {
    void serveStatic(request, response, target, request.url ?? '/');
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const client = new Client(`http://127.0.0.1:${String(port)}`);
  clients.push(client);
  return {
    client,
    async get(path, headers = {}, method = 'GET') {
      const reply = await client.request({ path, method, headers });
      const body = Buffer.from(await reply.body.arrayBuffer());
      return { status: reply.statusCode, headers: reply.headers, body };
    },
  };
}

let plain: Site;
let spa: Site;

before(async () => {
  writeTree();
  plain = await startSite({ dir: root, fallback: null });
  spa = await startSite({ dir: root, fallback: 'index.html' });
});

after(async () => {
  await Promise.all(clients.map((client) => client.close()));
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  rmSync(base, { recursive: true, force: true });
});

describe('serveStatic', () => {
  it('serves a file with its type, length, weak ETag, Last-Modified and Vary', async () => {
    const reply = await plain.get('/app.js');
    assert.equal(reply.status, 200);
    assert.equal(reply.body.toString(), APP_JS);
    assert.equal(reply.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal(reply.headers['content-length'], String(Buffer.byteLength(APP_JS)));
    assert.match(String(reply.headers.etag), /^W\/"[0-9a-f]+-[0-9a-f]+"$/);
    assert.equal(reply.headers['last-modified'], 'Fri, 01 Mar 2024 12:00:00 GMT');
    assert.equal(reply.headers.vary, 'Accept-Encoding');
    assert.equal(reply.headers['content-encoding'], undefined);
    assert.equal(reply.headers['x-content-type-options'], 'nosniff');
    assert.equal(reply.headers['cache-control'], undefined);
  });

  it('picks content types by extension, octet-stream for unknown ones, and decodes the path once', async () => {
    assert.equal((await plain.get('/font.woff2')).headers['content-type'], 'font/woff2');
    assert.equal((await plain.get('/data.unknownext')).headers['content-type'], 'application/octet-stream');
    const spaced = await plain.get('/a%20b.txt?v=1');
    assert.equal(spaced.body.toString(), 'spaced');
    assert.equal(spaced.headers['content-type'], 'text/plain; charset=utf-8');
  });

  it('answers 304 to a matching If-None-Match or a not-older If-Modified-Since, with the validators', async () => {
    const first = await plain.get('/app.js');
    const etag = String(first.headers.etag);
    for (const ifNoneMatch of [etag, etag.slice(2), `"nope", ${etag}`, '*']) {
      const reply = await plain.get('/app.js', { 'if-none-match': ifNoneMatch });
      assert.equal(reply.status, 304, ifNoneMatch);
      assert.equal(reply.body.length, 0);
      assert.equal(reply.headers.etag, etag);
    }
    assert.equal((await plain.get('/app.js', { 'if-modified-since': 'Fri, 01 Mar 2024 12:00:00 GMT' })).status, 304);
    assert.equal((await plain.get('/app.js', { 'if-modified-since': 'Fri, 01 Mar 2024 11:59:59 GMT' })).status, 200);
    assert.equal((await plain.get('/app.js', { 'if-modified-since': 'not a date' })).status, 200);
    // If-None-Match wins: a mismatching tag means 200 even when the date alone would allow a 304.
    assert.equal((await plain.get('/app.js', { 'if-none-match': '"other"', 'if-modified-since': 'Fri, 01 Mar 2030 00:00:00 GMT' })).status, 200);
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    const reply = await plain.get('/app.js', {}, 'HEAD');
    assert.equal(reply.status, 200);
    assert.equal(reply.body.length, 0);
    assert.equal(reply.headers['content-length'], String(Buffer.byteLength(APP_JS)));
    assert.equal((await plain.get('/missing.txt', {}, 'HEAD')).status, 404);
  });

  it('refuses other methods with 405 and Allow', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS']) {
      const reply = await plain.get('/app.js', {}, method);
      assert.equal(reply.status, 405, method);
      assert.equal(reply.headers.allow, 'GET, HEAD');
    }
  });

  it('serves a precompressed sibling the client accepts: br first, then gzip', async () => {
    const br = await plain.get('/app.js', { 'accept-encoding': 'gzip, deflate, br' });
    assert.equal(br.headers['content-encoding'], 'br');
    assert.equal(br.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal(brotliDecompressSync(br.body).toString(), APP_JS);
    const gz = await plain.get('/app.js', { 'accept-encoding': 'gzip, br;q=0' });
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.equal(gunzipSync(gz.body).toString(), APP_JS);
    assert.equal(gz.headers.vary, 'Accept-Encoding');
    assert.notEqual(gz.headers.etag, br.headers.etag, 'each encoding has its own validator');
    const identity = await plain.get('/app.js', { 'accept-encoding': 'identity' });
    assert.equal(identity.headers['content-encoding'], undefined);
    assert.equal(identity.body.toString(), APP_JS);
  });

  it('ignores a precompressed sibling that is a symlink out of the folder', async () => {
    const reply = await plain.get('/style.css', { 'accept-encoding': 'br, gzip' });
    assert.equal(reply.headers['content-encoding'], 'gzip');
    assert.equal(gunzipSync(reply.body).toString(), 'body{}');
  });

  it('serves index.html for a folder, with or without the trailing slash, and no-cache for HTML', async () => {
    for (const path of ['/', '/docs', '/docs/']) {
      const reply = await plain.get(path);
      assert.equal(reply.status, 200, path);
      assert.equal(reply.headers['content-type'], 'text/html; charset=utf-8');
      assert.equal(reply.headers['cache-control'], 'no-cache');
    }
    assert.equal((await plain.get('/docs/')).body.toString(), '<p>docs</p>');
    assert.equal((await plain.get('/empty-folder/')).status, 404);
  });

  it('falls back to the SPA entry for page paths, but not for missing assets or without a fallback', async () => {
    for (const path of ['/users/42', '/settings/profile?tab=2', '/empty-folder']) {
      const reply = await spa.get(path);
      assert.equal(reply.status, 200, path);
      assert.equal(reply.body.toString(), INDEX);
    }
    assert.equal((await spa.get('/assets/app.3f2a.js')).status, 404);
    assert.equal((await spa.get('/app.js')).body.toString(), APP_JS);
    assert.equal((await plain.get('/users/42')).status, 404);
  });

  it('answers 404 with a plain body that names no path', async () => {
    const reply = await plain.get('/nothing/here.txt');
    assert.equal(reply.status, 404);
    assert.equal(reply.headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal(reply.body.toString(), 'Not Found\n');
  });

  it('follows a symlink that stays inside the folder and serves .well-known', async () => {
    assert.equal((await plain.get('/inner-link.js')).body.toString(), APP_JS);
    assert.equal((await plain.get('/.well-known/security.txt')).body.toString(), 'Contact: x');
  });

  const attacks = [
    '/../secret.txt',
    '/docs/../../secret.txt',
    '/%2e%2e/secret.txt',
    '/%2E%2E%2Fsecret.txt',
    '/..%2f..%2fsecret.txt',
    '/%252e%252e/secret.txt',
    '/%252e%252e%252fsecret.txt',
    '/..%5csecret.txt',
    '/..\\secret.txt',
    '/docs\\..\\..\\secret.txt',
    `/${base}/secret.txt`,
    `/${encodeURIComponent(join(base, 'secret.txt'))}`,
    '/leak.txt',
    '/leakdir/secret.txt',
    '/.env',
    '/%2eenv',
    '/app.js%00.html',
    '/%00',
    '/%E0%A4%A',
  ];
  for (const path of attacks) {
    it(`refuses ${path}`, async () => {
      for (const site of [plain, spa]) {
        const reply = await site.get(path, { 'accept-encoding': 'br, gzip' });
        const text = reply.body.toString();
        assert.ok(!text.includes(SECRET), `${path} leaked the secret`);
        assert.ok(!text.includes(base) && !text.includes('console.log'), `${path} leaked a path or a file beside the folder`);
        if (site === plain) assert.ok(reply.status === 400 || reply.status === 404, `${path}: ${String(reply.status)}`);
      }
    });
  }

  it('streams a large file whole, and survives a client that leaves halfway', async () => {
    const reply = await plain.get('/big.bin');
    assert.equal(reply.body.length, BIG_SIZE);
    assert.ok(reply.body.every((byte) => byte === 7));
    const partial = await plain.client.request({ path: '/big.bin', method: 'GET' });
    const iterator = partial.body[Symbol.asyncIterator]();
    await iterator.next();
    partial.body.destroy();
    assert.equal((await plain.get('/app.js')).status, 200);
  });
});
