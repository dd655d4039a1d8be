import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkCron } from '../../src/shared/check-cron.js';

describe('checkCron', () => {
  it('accepts five-field schedules with lists, ranges, steps and names', () => {
    for (const expression of ['0 2 * * *', '*/5 * * * *', '0 9-17 * * MON-FRI', '15,45 * 1 JAN,JUL *', '0 0 29 2 *']) assert.equal(checkCron(expression), undefined, expression);
  });

  it('says why a schedule is refused: field count, a value out of range, illegal characters, a date that never comes', () => {
    assert.equal(checkCron('0 2 * *'), 'expected 5 fields, found 4');
    assert.equal(checkCron('@daily'), 'expected 5 fields, found 1');
    assert.equal(checkCron('0 0 2 * * *'), 'expected 5 fields, found 6');
    assert.match(checkCron('61 2 * * *') ?? '', /minute: 61/);
    assert.match(checkCron('0 2 * * 8') ?? '', /dayOfWeek: 8/);
    assert.match(checkCron('x 2 * * *') ?? '', /illegal characters/);
    assert.match(checkCron('5-1 * * * *') ?? '', /larger than/);
    assert.equal(checkCron('0 0 31 2 *'), 'it never fires (no such date)');
    assert.equal(checkCron('0 0 31 4 *'), 'it never fires (no such date)');
  });

  it('gives the same answer the second time (answers are remembered per expression)', () => {
    assert.equal(checkCron('0 0 30 2 *'), checkCron('0 0 30 2 *'));
    assert.equal(checkCron('1 2 3 4 *'), undefined);
  });
});
