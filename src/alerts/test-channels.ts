// `berth alerts test`: one test message through every channel (each of them, not the fallback order), and
// each channel's result.
import type { ResolvedStack } from '../config/resolved-stack.js';
import { collectAlertSecrets, createSecretBlanker } from './alert-secrets.js';
import { listChannels, type AlertMessage, type ChannelResult } from './alert-types.js';
import { formatAlert, type AlertOrigin } from './format-alert.js';
import { SEND_TIMEOUT_MS, sendToChannel } from './send-to-channel.js';

/** The test message of a stack. */
export function testMessage(stack: string, now: number): AlertMessage {
  return { key: 'test:stack', state: 'test', type: 'test', service: null, title: 'a test message from Berth', what: `If you read this, alerts of stack ${stack} reach this channel.`, since: now, time: now, look: 'berth alerts' };
}

/** Sends the test message through every channel at once; never throws. */
export function testChannels(stack: ResolvedStack, origin: AlertOrigin, env: Readonly<Record<string, string | undefined>>, timeoutMs = SEND_TIMEOUT_MS): Promise<ChannelResult[]> {
  const alert = formatAlert(testMessage(stack.name, Date.now()), origin);
  const context = { timeoutMs, blank: createSecretBlanker(collectAlertSecrets(stack.alerts.channels)), cwd: stack.root, env };
  return Promise.all(listChannels(stack.alerts.channels).map((channel) => sendToChannel(channel, alert, context)));
}
