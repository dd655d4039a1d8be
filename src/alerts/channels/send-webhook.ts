// The webhook channel: the alert as JSON, signed with HMAC-SHA256 of the exact body when a secret is set
// (`X-Berth-Signature: sha256=<hex>`), so the receiver can tell Berth sent it.
import { createHmac } from 'node:crypto';
import type { FormattedAlert } from '../format-alert.js';
import { postJson } from './post-json.js';

export interface WebhookConfig {
  readonly url: string;
  readonly secret?: string | undefined;
}

export const SIGNATURE_HEADER = 'x-berth-signature';

/** `sha256=<hex>` of the body under the secret. */
export function signBody(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** POSTs the alert's JSON; throws on failure. */
export async function sendWebhook(config: WebhookConfig, alert: FormattedAlert, timeoutMs: number): Promise<void> {
  const body = JSON.stringify(alert.json);
  const headers: Record<string, string> = config.secret === undefined ? {} : { [SIGNATURE_HEADER]: signBody(body, config.secret) };
  await postJson(config.url, body, headers, timeoutMs);
}
