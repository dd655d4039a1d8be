import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { colorOf, formatLogLine, formatLogLineJson, labelOf, measureLabel } from '../../src/logs/format-log-line.js';
import type { LogLine } from '../../src/logs/log-types.js';

const time = Date.parse('2026-03-01T10:00:00.042Z');
const web: LogLine = { service: 'web', instance: 1, stream: 'out', time, text: 'listening on :3000' };
const worker: LogLine = { service: 'worker', instance: 12, stream: 'err', time, text: '\u001b[31mfailed\u001b[0m' };
const about: LogLine = { service: 'web', instance: 0, stream: 'berth', time, text: 'ready after 812ms' };

describe('formatLogLine', () => {
  it('shows `label | text`, Berth’s own lines with `*`, the text untouched', () => {
    assert.equal(formatLogLine(web), 'web.1 | listening on :3000');
    assert.equal(formatLogLine(worker), 'worker.12 | \u001b[31mfailed\u001b[0m');
    assert.equal(formatLogLine(about), 'web * ready after 812ms');
  });

  it('pads labels to a width and can start with the time', () => {
    const width = measureLabel([web, worker, about]);
    assert.equal(width, 9);
    assert.equal(formatLogLine(web, { width }), 'web.1     | listening on :3000');
    assert.equal(formatLogLine(about, { width, time: true }), '2026-03-01T10:00:00.042Z web       * ready after 812ms');
  });

  it('colours the label by service only when asked, the same colour every time', () => {
    assert.equal(formatLogLine(web, { color: true }), `\u001b[${colorOf('web')}mweb.1 |\u001b[0m listening on :3000`);
    assert.equal(colorOf('web'), colorOf('web'));
    assert.notEqual(formatLogLine(web, { color: false }), formatLogLine(web, { color: true }));
    assert.equal(labelOf(about), 'web');
  });
});

describe('formatLogLineJson', () => {
  it('writes one JSON object a line with the ISO time', () => {
    const json = formatLogLineJson({ ...web, text: 'say "hi"\ttab' });
    assert.ok(!json.includes('\n'));
    assert.deepEqual(JSON.parse(json), { time: '2026-03-01T10:00:00.042Z', service: 'web', instance: 1, stream: 'out', text: 'say "hi"\ttab' });
  });
});
