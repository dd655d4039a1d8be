import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseVerbArgument } from '../../src/cli/parse-options.js';

describe('parseVerbArgument', () => {
  it('takes `berth CMD` (no argument) and `berth CMD VERB ARG`; anything else is BERTH_E_USAGE naming both forms', () => {
    assert.deepEqual(parseVerbArgument('jobs', [], 'run', 'NAME'), { ok: true, argument: undefined });
    assert.deepEqual(parseVerbArgument('jobs', ['run', 'report'], 'run', 'NAME'), { ok: true, argument: 'report' });
    for (const wrong of [['run'], ['start', 'report'], ['run', 'report', 'extra'], ['report']]) {
      const parsed = parseVerbArgument('jobs', wrong, 'run', 'NAME');
      assert.ok(!parsed.ok, wrong.join(' '));
      assert.equal(parsed.diagnostic.code, 'BERTH_E_USAGE');
      assert.match(parsed.diagnostic.message, new RegExp(`expected \`berth jobs\` or \`berth jobs run NAME\`, found \`${wrong.join(' ')}\``));
    }
  });
});
