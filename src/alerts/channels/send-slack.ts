// The Slack channel: an incoming webhook (Slack, or a compatible receiver such as Mattermost or Rocket.Chat)
// gets `{ text }`, the subject in bold on the first line.
import type { FormattedAlert } from '../format-alert.js';
import { postJson } from './post-json.js';

/** POSTs `{ text }` to the incoming webhook; throws on failure. */
export async function sendSlack(config: { readonly url: string }, alert: FormattedAlert, timeoutMs: number): Promise<void> {
  const [first = '', ...rest] = alert.text.split('\n');
  await postJson(config.url, JSON.stringify({ text: [`*${first}*`, ...rest].join('\n') }), {}, timeoutMs);
}
