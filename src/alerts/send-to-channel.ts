// Sends one formatted alert through one channel, with a deadline, and reports the result with secrets blanked.
import type { AlertChannel, ChannelResult } from './alert-types.js';
import { sendEmail } from './channels/send-email.js';
import { sendExec, type ExecContext } from './channels/send-exec.js';
import { sendSlack } from './channels/send-slack.js';
import { sendTelegram } from './channels/send-telegram.js';
import { sendWebhook } from './channels/send-webhook.js';
import type { FormattedAlert } from './format-alert.js';

export interface SendContext extends ExecContext {
  readonly timeoutMs: number;
  /** Blanks the channels' secrets in error messages. */
  readonly blank: (text: string) => string;
}

/** The default deadline of one send. */
export const SEND_TIMEOUT_MS = 10_000;

function dispatch(channel: AlertChannel, alert: FormattedAlert, context: SendContext): Promise<void> {
  const { config, kind } = channel;
  switch (kind) {
    case 'webhook':
      return config.webhook === undefined ? Promise.reject(new Error('no webhook')) : sendWebhook(config.webhook, alert, context.timeoutMs);
    case 'slack':
      return config.slack === undefined ? Promise.reject(new Error('no slack')) : sendSlack(config.slack, alert, context.timeoutMs);
    case 'telegram':
      return config.telegram === undefined ? Promise.reject(new Error('no telegram')) : sendTelegram(config.telegram, alert, context.timeoutMs);
    case 'email':
      return config.email === undefined ? Promise.reject(new Error('no email')) : sendEmail(config.email, alert, context.timeoutMs);
    case 'exec':
      return config.exec === undefined ? Promise.reject(new Error('no exec')) : sendExec(config.exec, alert, context, context.timeoutMs);
  }
}

/** Sends through `channel`; never throws. */
export async function sendToChannel(channel: AlertChannel, alert: FormattedAlert, context: SendContext): Promise<ChannelResult> {
  const started = Date.now();
  try {
    await dispatch(channel, alert, context);
    return { channel: channel.id, ok: true, ms: Date.now() - started };
  } catch (error) {
    return { channel: channel.id, ok: false, error: context.blank(error instanceof Error ? error.message : String(error)), ms: Date.now() - started };
  }
}
