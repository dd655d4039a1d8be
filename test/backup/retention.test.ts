import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BackupCatalog, manifestPath } from '../../src/backup/backup-catalog.js';
import type { BackupRecord } from '../../src/backup/backup-types.js';
import { applyRetention, FAILED_GRACE_MS, isoWeekKey, planRetention, type KeepPolicy } from '../../src/backup/retention.js';
import { openStateDb, stateDbPath } from '../../src/state/open-state-db.js';
import { writeFiles } from '../helpers/temp-stack.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** `db-20250101T030000Z` for a time. */
function idAt(service: string, time: number): string {
  return `${service}-${new Date(time).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}`;
}

function backup(time: number, patch: Partial<BackupRecord> = {}, dir = '/srv/app/.berth/backups'): BackupRecord {
  const service = patch.service ?? 'db';
  const id = patch.id ?? idAt(service, time);
  const state = patch.state ?? 'verified';
  return {
    id,
    service,
    kind: 'postgres',
    state,
    trigger: 'schedule',
    startedAt: time,
    finishedAt: state === 'running' ? null : time + 60_000,
    file: join(dir, service, `${id}.dump`),
    size: 100,
    sha256: 'b'.repeat(64),
    serverVersion: 'PostgreSQL 15.18',
    encrypted: false,
    verification: state === 'verified' ? { kind: 'postgres', ok: true, tables: 1, rows: 1, mismatches: [], ms: 1 } : null,
    reason: state === 'failed' ? 'pg_dump exited 1' : null,
    offsite: null,
    ...patch,
  };
}

/** One verified backup at 03:00 UTC every day of 2025 (a Wednesday to a Wednesday). */
const YEAR_START = Date.UTC(2025, 0, 1, 3);
const year = Array.from({ length: 365 }, (_, day) => backup(YEAR_START + day * DAY));
const NOW = Date.UTC(2025, 11, 31, 4);

/** The ids kept, as `MM-DD` dates of 2025, sorted. */
function keptDays(keep: KeepPolicy, records: readonly BackupRecord[] = year): string[] {
  const plan = planRetention(records, keep, NOW);
  assert.equal(plan.kept.size + plan.remove.length, records.length, 'every record is either kept or removed');
  for (const r of plan.remove) assert.equal(plan.kept.has(r.id), false);
  return [...plan.kept.keys()].map((id) => `${id.slice(7, 9)}-${id.slice(9, 11)}`).sort();
}

describe('planRetention over a year of daily backups', () => {
  it('last 3, daily 7, weekly 4 (ISO weeks, across the new year), monthly 6', () => {
    // Dec 29-31 2025 are in ISO week 2026-W01, so the newest weekly is Dec 31, then the Sundays Dec 28, 21, 14.
    assert.deepEqual(keptDays({ last: 3, daily: 7, weekly: 4, monthly: 6 }), ['07-31', '08-31', '09-30', '10-31', '11-30', '12-14', '12-21', '12-25', '12-26', '12-27', '12-28', '12-29', '12-30', '12-31']);
  });

  it('with the reasons of each kept backup', () => {
    const plan = planRetention(year, { last: 3, daily: 7, weekly: 4, monthly: 6 }, NOW);
    assert.deepEqual(plan.kept.get('db-20251231T030000Z'), ['last', 'daily', 'weekly', 'monthly', 'newest verified']);
    assert.deepEqual(plan.kept.get('db-20251229T030000Z'), ['last', 'daily']);
    assert.deepEqual(plan.kept.get('db-20251228T030000Z'), ['daily', 'weekly']);
    assert.deepEqual(plan.kept.get('db-20251214T030000Z'), ['weekly']);
    assert.deepEqual(plan.kept.get('db-20251130T030000Z'), ['monthly']);
    assert.deepEqual(plan.remove.map((r) => r.id).slice(0, 2), ['db-20251224T030000Z', 'db-20251223T030000Z'], 'removed newest first');
  });

  it('the schema defaults (daily 7, weekly 4)', () => {
    assert.deepEqual(keptDays({ last: 0, daily: 7, weekly: 4, monthly: 0 }), ['12-14', '12-21', '12-25', '12-26', '12-27', '12-28', '12-29', '12-30', '12-31']);
  });

  it('monthly beyond the history keeps the newest of every month there is', () => {
    assert.deepEqual(keptDays({ last: 0, daily: 0, weekly: 0, monthly: 24 }), ['01-31', '02-28', '03-31', '04-30', '05-31', '06-30', '07-31', '08-31', '09-30', '10-31', '11-30', '12-31']);
  });

  it('weekly 53 keeps the last day of every ISO week in the year: Sundays, plus Jan 1-5 and Dec 29-31 at the edges', () => {
    const days = keptDays({ last: 0, daily: 0, weekly: 60, monthly: 0 });
    // 2025-W01 runs Dec 30 2024 - Jan 5 2025; 52 weeks end on a Sunday; Dec 29-31 start 2026-W01.
    assert.equal(days.length, 53);
    assert.equal(days[0], '01-05');
    assert.equal(days.at(-1), '12-31');
    assert.ok(days.slice(0, -1).every((d) => new Date(`2025-${d}T00:00:00Z`).getUTCDay() === 0));
  });

  it('keeps the newest verified backup even when every count is 0', () => {
    const plan = planRetention(year, { last: 0, daily: 0, weekly: 0, monthly: 0 }, NOW);
    assert.deepEqual([...plan.kept], [['db-20251231T030000Z', ['newest verified']]]);
    assert.equal(plan.remove.length, 364);
  });

  it('last larger than the history keeps everything', () => {
    assert.equal(planRetention(year, { last: 400, daily: 0, weekly: 0, monthly: 0 }, NOW).remove.length, 0);
  });

  it('counts days that have a backup, not calendar days (restic): a gap does not use up the daily count', () => {
    const gappy = year.filter((r) => r.startedAt < Date.UTC(2025, 11, 1) || r.startedAt > Date.UTC(2025, 11, 30));
    assert.deepEqual(keptDays({ last: 0, daily: 4, weekly: 0, monthly: 0 }, gappy), ['11-29', '11-30', '12-30', '12-31']);
  });

  it('several backups in a day: daily keeps the newest of the day, last counts each', () => {
    const day = Date.UTC(2025, 5, 1);
    const records = [backup(day + 1 * HOUR), backup(day + 9 * HOUR), backup(day + 17 * HOUR), backup(day - 7 * HOUR)];
    const plan = planRetention(records, { last: 0, daily: 2, weekly: 0, monthly: 0 }, day + DAY);
    assert.deepEqual([...plan.kept.keys()], ['db-20250601T170000Z', 'db-20250531T170000Z']);
    const last = planRetention(records, { last: 2, daily: 0, weekly: 0, monthly: 0 }, day + DAY);
    assert.deepEqual([...last.kept.keys()], ['db-20250601T170000Z', 'db-20250601T090000Z']);
  });
});

describe('planRetention with failed and running backups', () => {
  const JAN = (day: number, hour = 3): number => Date.UTC(2025, 0, day, hour);
  const now = JAN(14, 4);
  const verified = Array.from({ length: 10 }, (_, i) => backup(JAN(i + 1)));
  const records = [
    ...verified,
    backup(JAN(5, 12), { state: 'failed' }), // older than the newest verified: its file was never complete
    backup(JAN(11), { state: 'failed' }), // failing since the last good one, older than a day: only the newest stays
    backup(JAN(13, 10), { state: 'failed' }), // within a day of now
    backup(JAN(13, 20), { state: 'failed' }), // the newest failed
    backup(JAN(14), { state: 'running', finishedAt: null }),
    backup(JAN(3), { state: 'running', finishedAt: null, id: 'db-20250103T030000Z-2' }), // never removed, however old
  ];

  it('only verified backups fill buckets; failed ones before the newest verified go; newer ones stay a day, the newest until one verifies; running ones stay', () => {
    const plan = planRetention(records, { last: 0, daily: 2, weekly: 0, monthly: 0 }, now);
    assert.deepEqual(Object.fromEntries(plan.kept), {
      'db-20250114T030000Z': ['running'],
      'db-20250113T200000Z': ['failed since the last verified'],
      'db-20250113T100000Z': ['failed since the last verified'],
      'db-20250110T030000Z': ['daily', 'newest verified'],
      'db-20250109T030000Z': ['daily'],
      'db-20250103T030000Z-2': ['running'],
    });
    assert.deepEqual(plan.remove.map((r) => r.id), [
      'db-20250111T030000Z',
      'db-20250108T030000Z',
      'db-20250107T030000Z',
      'db-20250106T030000Z',
      'db-20250105T120000Z',
      'db-20250105T030000Z',
      'db-20250104T030000Z',
      'db-20250103T030000Z',
      'db-20250102T030000Z',
      'db-20250101T030000Z',
    ]);
    assert.ok(plan.remove.every((r) => r.state !== 'running'));
  });

  it('a day later, only the newest failed one is left of the failures', () => {
    const plan = planRetention(records, { last: 0, daily: 2, weekly: 0, monthly: 0 }, JAN(13, 20) + FAILED_GRACE_MS + 1);
    assert.ok(plan.kept.has('db-20250113T200000Z'));
    assert.ok(!plan.kept.has('db-20250113T100000Z'));
  });

  it('a service that never had a verified backup keeps its newest failed one and its running one, nothing counts as good', () => {
    const bad = [backup(JAN(1), { state: 'failed' }), backup(JAN(2), { state: 'failed' }), backup(JAN(3), { state: 'running', finishedAt: null })];
    const plan = planRetention(bad, { last: 5, daily: 5, weekly: 5, monthly: 5 }, JAN(10));
    assert.deepEqual(Object.fromEntries(plan.kept), { 'db-20250103T030000Z': ['running'], 'db-20250102T030000Z': ['failed since the last verified'] });
    assert.deepEqual(plan.remove.map((r) => r.id), ['db-20250101T030000Z']);
  });

  it('plans each service on its own: another service\'s newer backups do not push one out', () => {
    const mixed = [backup(JAN(1), { service: 'cache' }), backup(JAN(1, 4), { service: 'cache' }), ...verified];
    const plan = planRetention(mixed, { last: 1, daily: 0, weekly: 0, monthly: 0 }, now);
    assert.deepEqual([...plan.kept.keys()].sort(), ['cache-20250101T040000Z', 'db-20250110T030000Z']);
  });

  it('an empty catalog plans nothing', () => {
    const plan = planRetention([], { last: 1, daily: 1, weekly: 1, monthly: 1 }, now);
    assert.deepEqual(plan, { remove: [], kept: new Map() });
  });
});

describe('isoWeekKey', () => {
  it('follows ISO 8601 at year boundaries', () => {
    assert.equal(isoWeekKey(Date.UTC(2021, 0, 3)), '2020-W53'); // a Sunday in the last week of 2020
    assert.equal(isoWeekKey(Date.UTC(2021, 0, 4)), '2021-W01');
    assert.equal(isoWeekKey(Date.UTC(2024, 11, 30)), '2025-W01');
    assert.equal(isoWeekKey(Date.UTC(2025, 11, 28, 23, 59)), '2025-W52');
    assert.equal(isoWeekKey(Date.UTC(2025, 11, 29)), '2026-W01');
    assert.equal(isoWeekKey(Date.UTC(2026, 0, 1)), '2026-W01');
  });
});

describe('applyRetention', () => {
  function setup(): { root: string; folder: string; catalog: BackupCatalog; close: () => void } {
    const root = writeFiles({});
    const folder = join(root, '.berth', 'backups', 'db');
    mkdirSync(folder, { recursive: true });
    const db = openStateDb(stateDbPath(join(root, '.berth')));
    return { root, folder, catalog: new BackupCatalog(db), close: () => db.close() };
  }

  it('deletes the planned backups (file, manifest, row) and nothing else: stray files in the folder survive', () => {
    const { root, folder, catalog, close } = setup();
    const records = Array.from({ length: 30 }, (_, day) => backup(Date.UTC(2025, 5, 1, 3) + day * DAY, {}, join(root, '.berth', 'backups')));
    for (const r of records) {
      writeFileSync(r.file, 'dump');
      writeFileSync(manifestPath(r.file), '{}');
      catalog.save(r);
    }
    // One planned record whose file is already gone (and its manifest): fine.
    const gone = backup(Date.UTC(2025, 4, 1, 3), { state: 'failed' }, join(root, '.berth', 'backups'));
    catalog.save(gone);
    // Files Berth did not create, or that no record names: never touched, even when they look like backups.
    const strays = ['notes.txt', 'db-20250601T030000Z.dump.partial', 'db-20240101T030000Z.dump', 'db-20240101T030000Z.dump.manifest.json'];
    for (const name of strays) writeFileSync(join(folder, name), 'not mine');

    const plan = planRetention(catalog.list({ service: 'db' }), { last: 2, daily: 0, weekly: 3, monthly: 0 }, Date.UTC(2025, 6, 1));
    const result = applyRetention(plan, catalog);
    assert.deepEqual(result.errors, []);
    assert.equal(result.removed.length, plan.remove.length);
    assert.ok(result.removed.includes(gone.id));
    // Kept: Jun 30 and 29 (last); weekly Jun 30 (a Monday, W27), Jun 29 (the Sunday ending W26), Jun 22 (W25).
    const kept = ['db-20250630T030000Z', 'db-20250629T030000Z', 'db-20250622T030000Z'];
    assert.deepEqual(catalog.list().map((r) => r.id), kept);
    assert.deepEqual(readdirSync(folder).sort(), [...kept.flatMap((id) => [`${id}.dump`, `${id}.dump.manifest.json`]), ...strays].sort());
    close();
  });

  it('refuses paths outside the record\'s service backup folder, a running backup and a folder, keeping their rows', () => {
    const { root, folder, catalog, close } = setup();
    const elsewhere = join(root, 'elsewhere');
    mkdirSync(elsewhere);
    writeFileSync(join(elsewhere, 'db-1.dump'), 'precious');
    writeFileSync(join(root, '.berth', 'backups', 'cache-1.dump'), 'precious');
    mkdirSync(join(folder, 'db-4.dump'));
    const base = backup(Date.UTC(2025, 0, 1), { state: 'failed' });
    const bad: BackupRecord[] = [
      { ...base, id: 'db-1', file: join(elsewhere, 'db-1.dump') },
      { ...base, id: 'db-2', file: `${folder}/../../../elsewhere/db-1.dump` },
      { ...base, id: 'db-3', file: 'relative/backups/db/db-3.dump' },
      { ...base, id: 'cache-1', service: 'cache', file: join(root, '.berth', 'backups', 'cache-1.dump') },
      { ...base, id: 'db-5', file: join(folder, 'db-4.dump') }, // another record's name
      { ...base, id: 'db-4', file: join(folder, 'db-4.dump') }, // a folder
      { ...base, id: 'db-6', state: 'running' },
    ];
    for (const r of bad) catalog.save(r);
    const result = applyRetention({ remove: bad }, catalog);
    assert.deepEqual(result.removed, []);
    assert.equal(result.errors.length, bad.length);
    assert.match(result.errors[0]!, /^backup db-1 not deleted: expected an absolute path \.\.\.\/backups\/db\/db-1<extension>, found .*elsewhere\/db-1\.dump; hint: /);
    assert.match(result.errors[2]!, /found "relative\/backups\/db\/db-3\.dump"/);
    assert.match(result.errors[5]!, /expected a file at .*db-4\.dump, found a folder/);
    assert.match(result.errors[6]!, /found one still running/);
    assert.ok(existsSync(join(elsewhere, 'db-1.dump')));
    assert.ok(existsSync(join(root, '.berth', 'backups', 'cache-1.dump')));
    assert.ok(existsSync(join(folder, 'db-4.dump')));
    assert.equal(catalog.list().length, bad.length);
    close();
  });
});
