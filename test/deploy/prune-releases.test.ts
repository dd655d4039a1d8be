import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { listReleaseIds, planPrune, pruneReleases } from '../../src/deploy/prune-releases.js';
import { writeFiles } from '../helpers/temp-stack.js';

/** Release ids one a day, oldest first. */
const ids = (count: number): string[] => Array.from({ length: count }, (_, i) => `202501${String(i + 1).padStart(2, '0')}-120000000-abcdef01`);

describe('release retention', () => {
  it('keeps the newest N (default 5) and removes the rest, oldest first', () => {
    const all = ids(8);
    assert.deepEqual(planPrune({ ids: all, keep: 5, running: all[7]!, previous: all[6]! }), { keep: all.slice(3), remove: all.slice(0, 3) });
    assert.deepEqual(planPrune({ ids: all.slice(0, 3), keep: 5, running: null, previous: null }).remove, []);
  });

  it('never removes the running release or the one before it, however old (after a rollback, say)', () => {
    const all = ids(10);
    const plan = planPrune({ ids: all, keep: 2, running: all[1]!, previous: all[0]! });
    assert.deepEqual(plan.keep, [all[0], all[1], all[8], all[9]]);
    assert.ok(!plan.remove.includes(all[0]!) && !plan.remove.includes(all[1]!));
    // and not a release a service still runs from; keep 0 keeps only the protected ones
    assert.deepEqual(planPrune({ ids: all, keep: 0, running: all[9]!, previous: all[8]!, inUse: [all[3]!] }).keep, [all[3], all[8], all[9]]);
  });

  it('deletes only release folders: other names, files and live staging folders stay; dead snapshots\' staging goes', () => {
    const all = ids(7);
    const dir = writeFiles({ 'notes.txt': 'mine\n' });
    for (const id of all) {
      mkdirSync(join(dir, id, 'app'), { recursive: true });
      writeFileSync(join(dir, id, 'release.json'), '{}');
    }
    mkdirSync(join(dir, 'not-a-release'));
    const dead = spawnSync('true').pid;
    mkdirSync(join(dir, `.staging-${String(dead)}-0a0b0c0d`));
    mkdirSync(join(dir, `.staging-${String(process.pid)}-0a0b0c0d`));
    const plan = pruneReleases({ releasesDir: dir, running: all[0]!, previous: null });
    assert.deepEqual(plan.remove, [all[1]]);
    assert.deepEqual(listReleaseIds(dir), [all[0], ...all.slice(2)]);
    assert.deepEqual(readdirSync(dir).filter((name) => !name.startsWith('2025')).sort(), [`.staging-${String(process.pid)}-0a0b0c0d`, 'not-a-release', 'notes.txt']);
    assert.deepEqual(pruneReleases({ releasesDir: join(dir, 'missing'), running: null, previous: null }).remove, []);
  });
});
