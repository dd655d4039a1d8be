import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeFailure, detect, fieldOf, renderAndLoad, serviceOf } from './init-helpers.js';

describe('repointMissingHosts', () => {
  it('points references to a service that was not carried over at 127.0.0.1, and keeps the others', () => {
    const compose = 'services:\n  queue:\n    image: rabbitmq:3\n  api:\n    image: x/api\n    command: ./api\n    ports: ["8000:8000"]\n  app:\n    image: x/app\n    command: ./app\n    environment:\n      AMQP_URL: amqp://queue:5672/\n      QUEUE_HOST: queue\n      API_URL: http://api:8000\n';
    const draft = detect({ 'compose.yml': compose });
    assert.deepEqual(fieldOf(draft, 'app', 'env'), { AMQP_URL: 'amqp://127.0.0.1:5672/', QUEUE_HOST: '127.0.0.1', API_URL: 'http://${services.api.host}:8000' });
    assert.match(serviceOf(draft, 'app').fields.get('env')?.entryComments?.QUEUE_HOST ?? '', /queue, which is not in berth\.yml/);
    const { text, result } = renderAndLoad(draft);
    assert.ok(result.ok, describeFailure(result, text));
    assert.equal(result.stack.services.app?.env.API_URL, 'http://127.0.0.1:8000');
  });
});
