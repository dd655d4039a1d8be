import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { checkMigrations, currentVersion, latestVersion, migrate, MIGRATIONS, type Migration } from '../../src/state/migrations.js';
import { openStateDb, stateDbPath } from '../../src/state/open-state-db.js';
import { writeFiles } from '../helpers/temp-stack.js';

const LATEST = latestVersion();
const extra: Migration = { version: LATEST + 1, name: 'test_table', up: (db) => db.exec('CREATE TABLE test_table (x INTEGER)') };

describe('openStateDb', () => {
  it('creates .berth/state.db private to the owner, in WAL mode with a busy timeout, at the newest schema', () => {
    const dir = writeFiles({});
    const file = stateDbPath(join(dir, '.berth'));
    const db = openStateDb(file);
    try {
      db.prepare("INSERT INTO events (time, type, payload) VALUES (1, 'x', '{}')").run();
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
      assert.equal(db.pragma('busy_timeout', { simple: true }), 2000);
      assert.equal(currentVersion(db), latestVersion());
      for (const suffix of ['', '-wal', '-shm']) {
        assert.ok(existsSync(file + suffix), `${file}${suffix} exists`);
        assert.equal(statSync(file + suffix).mode & 0o777, 0o600, `state.db${suffix} is 0600`);
      }
      assert.equal(statSync(join(dir, '.berth')).mode & 0o777, 0o700);
    } finally {
      db.close();
    }
  });

  it('does not create the file for a reader (create: false)', () => {
    const dir = writeFiles({});
    assert.throws(() => openStateDb(join(dir, 'state.db'), { create: false }));
    assert.equal(existsSync(join(dir, 'state.db')), false);
  });

  it('reopens an existing database without migrating it again', () => {
    const file = join(writeFiles({}), 'state.db');
    openStateDb(file).close();
    const db = openStateDb(file);
    try {
      const rows = db.prepare('SELECT version, name FROM schema_version ORDER BY version').all();
      assert.deepEqual(rows, MIGRATIONS.map((m) => ({ version: m.version, name: m.name })));
    } finally {
      db.close();
    }
  });
});

describe('migrations', () => {
  it('are numbered 1, 2, 3, ... in order', () => {
    assert.doesNotThrow(() => {
      checkMigrations(MIGRATIONS);
    });
    assert.throws(() => {
      checkMigrations([{ ...extra, version: 3 }]);
    }, /expected 1/);
  });

  it('apply only what is missing, in order, once each, and record when', () => {
    const db = new Database(':memory:');
    assert.deepEqual(migrate(db, MIGRATIONS, () => 1000), { from: 0, to: LATEST });
    assert.deepEqual(migrate(db, [...MIGRATIONS, extra], () => 2000), { from: LATEST, to: LATEST + 1 });
    assert.deepEqual(migrate(db, [...MIGRATIONS, extra], () => 3000), { from: LATEST + 1, to: LATEST + 1 });
    assert.deepEqual(db.prepare('SELECT version, applied_at FROM schema_version ORDER BY version').all(), [...MIGRATIONS.map((m) => ({ version: m.version, applied_at: 1000 })), { version: LATEST + 1, applied_at: 2000 }]);
    db.close();
  });

  it('refuse a database newer than this Berth (a downgrade) instead of writing to it', () => {
    const file = join(writeFiles({}), 'state.db');
    openStateDb(file, { migrations: [...MIGRATIONS, extra] }).close();
    assert.throws(() => openStateDb(file), new RegExp(`schema version ${String(LATEST + 1)}, newer than this Berth knows \\(${String(LATEST)}\\)`));
  });

  it('roll back a migration that fails halfway, leaving the version where it was', () => {
    const db = new Database(':memory:');
    migrate(db);
    const broken: Migration = { version: LATEST + 1, name: 'broken', up: (d) => d.exec('CREATE TABLE half (x INTEGER); SELECT * FROM no_such_table') };
    assert.throws(() => migrate(db, [...MIGRATIONS, broken]));
    assert.equal(currentVersion(db), LATEST);
    assert.deepEqual(db.prepare("SELECT name FROM sqlite_master WHERE name = 'half'").all(), []);
    db.close();
  });

  it('several processes opening a new database at once apply each migration once', async () => {
    const file = join(writeFiles({}), 'state.db');
    const script = `import { openStateDb } from ${JSON.stringify(pathToFileURL(join(import.meta.dirname, '..', '..', 'src', 'state', 'open-state-db.ts')).href)};
openStateDb(process.argv[1], { busyTimeoutMs: 10000 }).close();`;
    const runs = Array.from({ length: 4 }, () => new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, file], { stdio: ['ignore', 'ignore', 'inherit'] });
      child.on('exit', resolve);
    }));
    assert.deepEqual(await Promise.all(runs), [0, 0, 0, 0]);
    const db = openStateDb(file);
    try {
      assert.deepEqual(db.prepare('SELECT version FROM schema_version ORDER BY version').all(), MIGRATIONS.map((m) => ({ version: m.version })));
    } finally {
      db.close();
    }
  });
});
