import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ResolvedService } from '../../src/config/resolved-stack.js';
import { dependentsOf, findBlockers, stopWaves, withDependencies, type ServiceProgress } from '../../src/supervisor/graph.js';
import { loadText } from '../helpers/temp-stack.js';

function servicesOf(yaml: string): Readonly<Record<string, ResolvedService>> {
  const result = loadText(yaml);
  if (!result.ok) throw new Error(JSON.stringify(result.diagnostics));
  return result.stack.services;
}

const THREE_LEVELS = `services:
  db: { command: db, port: 5001 }
  cache: { command: cache, port: 5002 }
  migrate: { command: migrate, oneshot: true, depends_on: [db] }
  api: { command: api, http: {}, depends_on: { db: ready, cache: started, migrate: completed } }
  worker: { command: worker, depends_on: { cache: started } }
  web: { command: web, http: {}, depends_on: [api] }
`;

const idle: ServiceProgress = { started: false, ready: false, completed: false, blocked: null };

describe('dependency graph', () => {
  const services = servicesOf(THREE_LEVELS);

  it('selects a service with everything it needs, transitively', () => {
    assert.deepEqual([...withDependencies(services, ['web'])].sort(), ['api', 'cache', 'db', 'migrate', 'web']);
    assert.deepEqual([...withDependencies(services, ['worker'])].sort(), ['cache', 'worker']);
  });

  it('lists direct dependents', () => {
    assert.deepEqual(dependentsOf(services, 'cache').sort(), ['api', 'worker']);
  });

  it('explains each unmet condition, and marks a failed dependency', () => {
    const progress: Record<string, ServiceProgress> = {
      db: { ...idle, started: true },
      cache: { ...idle, started: true },
      migrate: { ...idle, blocked: 'it exited with code 1' },
    };
    const blockers = findBlockers(services.api!, (name) => progress[name]);
    assert.deepEqual(
      blockers.map((b) => [b.service, b.reason, b.failed]),
      [
        ['db', 'waiting for db to be ready', false],
        ['migrate', 'waiting for migrate to complete, but it exited with code 1', true],
      ],
    );
    assert.deepEqual(findBlockers(services.worker!, (name) => progress[name]), [], 'started is enough for worker');
  });

  it('stops dependents before what they depend on', () => {
    const waves = stopWaves(services, Object.keys(services));
    assert.deepEqual(waves, [['web', 'worker'], ['api'], ['cache', 'migrate'], ['db']]);
  });
});
