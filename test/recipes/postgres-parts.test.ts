import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { findPostgresBinaries, listCandidateDirs } from '../../src/recipes/find-postgres.js';
import { classifyLoginError } from '../../src/recipes/postgres-client.js';
import { defaultMemorySettings, renderPostgresConfig } from '../../src/recipes/postgres-config.js';
import { inspectPostgresDataDir } from '../../src/recipes/postgres-data-dir.js';
import { buildInitdbArgs } from '../../src/recipes/postgres-init.js';
import { postgresSocketDir } from '../../src/recipes/postgres-paths.js';
import { findBlockingFolder, findSystemUser } from '../../src/recipes/unprivileged-user.js';
import { writeFiles } from '../helpers/temp-stack.js';

const MB = 1024 * 1024;

/** A folder with executable scripts `postgres` (printing `version`) and `initdb`. */
function fakeServer(version: string): string {
  const dir = writeFiles({ postgres: `#!/bin/sh\necho "postgres (PostgreSQL) ${version}"\n`, initdb: '#!/bin/sh\nexit 0\n' });
  chmodSync(join(dir, 'postgres'), 0o755);
  chmodSync(join(dir, 'initdb'), 0o755);
  return dir;
}

describe('postgres recipe parts', () => {
  it('renders berth.conf: memory sized to the machine, the user\'s settings, and Berth\'s own listen settings last', () => {
    assert.deepEqual(defaultMemorySettings(24 * 1024 * MB), { shared_buffers: '1024MB', effective_cache_size: '12288MB', maintenance_work_mem: '64MB', work_mem: '8MB' });
    assert.equal(defaultMemorySettings(512 * MB).shared_buffers, '128MB');
    const text = renderPostgresConfig({ port: 5433, socketDir: "/srv/it's/run", settings: { shared_buffers: '256MB', max_connections: '40', port: '1' }, totalMemory: 4096 * MB });
    assert.match(text, /^shared_buffers = '256MB'$/m);
    assert.match(text, /^max_connections = 40$/m);
    assert.match(text, /^port = 5433$/m, 'the port is Berth\'s');
    assert.doesNotMatch(text, /^port = 1$/m);
    assert.match(text, /^listen_addresses = '127\.0\.0\.1'$/m);
    assert.match(text, /^unix_socket_directories = '\/srv\/it''s\/run'$/m, 'quotes are doubled');
  });

  it('tells a missing, empty, cluster and foreign data folder apart', () => {
    const dir = writeFiles({ 'cluster/PG_VERSION': '15\n', 'cluster/global/pg_control': '', 'foreign/notes.txt': 'x', 'odd/PG_VERSION': 'banana', 'odd/global/x': '', file: 'x' });
    mkdirSync(join(dir, 'empty'));
    assert.deepEqual(inspectPostgresDataDir(join(dir, 'absent')), { kind: 'absent' });
    assert.deepEqual(inspectPostgresDataDir(join(dir, 'empty')), { kind: 'empty' });
    assert.deepEqual(inspectPostgresDataDir(join(dir, 'cluster')), { kind: 'cluster', major: 15 });
    assert.equal(inspectPostgresDataDir(join(dir, 'foreign')).kind, 'foreign');
    assert.match(JSON.stringify(inspectPostgresDataDir(join(dir, 'foreign'))), /notes\.txt/);
    assert.equal(inspectPostgresDataDir(join(dir, 'odd')).kind, 'foreign');
    assert.equal(inspectPostgresDataDir(join(dir, 'file')).kind, 'foreign');
  });

  it('finds the server: bin_dir first, then PATH through symlinks, then the Debian layout newest major first', () => {
    const old = fakeServer('14.9');
    const lib = writeFiles({});
    mkdirSync(join(lib, '13'));
    mkdirSync(join(lib, '16'));
    mkdirSync(join(lib, 'not-a-version'));
    assert.deepEqual(listCandidateDirs(null, '', lib), [join(lib, '16', 'bin'), join(lib, '13', 'bin')]);
    const pathDir = writeFiles({});
    symlinkSync(join(old, 'postgres'), join(pathDir, 'postgres'));
    assert.deepEqual(listCandidateDirs(null, pathDir, lib)[0], old, 'PATH, resolved to where initdb lives');
    const found = findPostgresBinaries(null, pathDir, lib);
    assert.deepEqual(found, { ok: true, binaries: { binDir: old, major: 14, version: '14.9' } });
    const pinned = findPostgresBinaries(fakeServer('16.2'), pathDir, lib);
    assert.ok(pinned.ok && pinned.binaries.major === 16, 'bin_dir wins');
    const missing = findPostgresBinaries(join(lib, 'nowhere'), pathDir, lib);
    assert.ok(!missing.ok && /bin_dir: .*nowhere` holds no runnable `postgres`/.test(missing.reason));
    assert.ok(!findPostgresBinaries(null, '', join(lib, 'none')).ok);
  });

  it('builds initdb with scram-sha-256 for every connection and the password from a file, never argv', () => {
    const argv = buildInitdbArgs({ binDir: '/usr/lib/postgresql/15/bin', dataDir: '/srv/data' }, '/run/pw', 'C.UTF-8');
    assert.deepEqual(argv.slice(0, 3), ['/usr/lib/postgresql/15/bin/initdb', '-D', '/srv/data']);
    assert.ok(argv.includes('--auth-local=scram-sha-256') && argv.includes('--auth-host=scram-sha-256'));
    assert.ok(argv.includes('--pwfile=/run/pw'));
  });

  it('sorts login errors: a wrong password or missing database is final, a server still starting is not', () => {
    assert.equal(classifyLoginError(Object.assign(new Error('password authentication failed for user "x"'), { code: '28P01' })).kind, 'refused');
    assert.equal(classifyLoginError(Object.assign(new Error('database "x" does not exist'), { code: '3D000' })).kind, 'refused');
    assert.equal(classifyLoginError(Object.assign(new Error('the database system is starting up'), { code: '57P03' })).kind, 'not-ready');
    assert.equal(classifyLoginError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })).kind, 'not-ready');
  });

  it('keeps the socket folder under .berth/run unless the path would pass the socket length limit', () => {
    assert.equal(postgresSocketDir('/srv/app/.berth', 'db'), '/srv/app/.berth/run/db.pg');
    const long = postgresSocketDir(`/srv/${'x'.repeat(90)}/.berth`, 'db');
    assert.ok(long.startsWith(tmpdir()) && long.length < 60);
  });

  it('finds the server\'s user in passwd and the folder that would lock it out', () => {
    const passwd = writeFiles({ passwd: 'root:x:0:0::/root:/bin/sh\nnobody:x:65534:65534::/:/usr/sbin/nologin\npostgres:x:105:110::/var/lib/postgresql:/bin/bash\n' });
    assert.deepEqual(findSystemUser(['postgres', 'nobody'], join(passwd, 'passwd')), { name: 'postgres', uid: 105, gid: 110 });
    assert.deepEqual(findSystemUser(['missing', 'nobody'], join(passwd, 'passwd')), { name: 'nobody', uid: 65534, gid: 65534 });
    assert.equal(findSystemUser(['root'], join(passwd, 'passwd')), undefined, 'never root');
    const top = writeFiles({ 'open/inner/file': 'x' });
    chmodSync(top, 0o755);
    const user = { name: 'someone', uid: 54321, gid: 54321 };
    assert.equal(findBlockingFolder(join(top, 'open', 'inner'), user), undefined);
    chmodSync(join(top, 'open'), 0o700);
    assert.equal(findBlockingFolder(join(top, 'open', 'inner'), user), join(top, 'open'));
  });
});
