// The Telegram channel: the Bot API's sendMessage (POST <api>/bot<token>/sendMessage with `{ chat_id, text }`).
// `api` points at a self-hosted Bot API server (or a test receiver); the token never appears in an error.
import type { FormattedAlert } from '../format-alert.js';
import { postJson } from './post-json.js';

export interface TelegramConfig {
  readonly token: string;
  readonly chat: string | number;
  readonly api?: string | undefined;
}

export const TELEGRAM_API = 'https://api.telegram.org';

// Telegram refuses longer messages.
const MAX_TEXT = 4096;

/** Sends the alert's text to the chat; throws when the Bot API does not answer `ok: true`. */
export async function sendTelegram(config: TelegramConfig, alert: FormattedAlert, timeoutMs: number): Promise<void> {
  const base = (config.api ?? TELEGRAM_API).replace(/\/+$/, '');
  const text = alert.text.length > MAX_TEXT ? `${alert.text.slice(0, MAX_TEXT - 1)}…` : alert.text;
  let answer;
  try {
    answer = await postJson(`${base}/bot${config.token}/sendMessage`, JSON.stringify({ chat_id: config.chat, text, disable_web_page_preview: true }), {}, timeoutMs);
  } catch (error) {
    throw new Error((error instanceof Error ? error.message : String(error)).split(config.token).join('<redacted>'));
  }
  let ok = false;
  try {
    ok = (JSON.parse(answer.body) as { ok?: unknown }).ok === true;
  } catch {
    // Not JSON: not the Bot API.
  }
  if (!ok) throw new Error(`the Bot API did not answer ok: ${answer.body.slice(0, 200).split(config.token).join('<redacted>')}`);
}
