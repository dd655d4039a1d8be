// The email channel: SMTP through nodemailer, from an `smtp://` or `smtps://` URL (user and password in it).
// Every stage has a deadline, so a mail server that accepts the connection and then stalls cannot hold a send.
import { hostname } from 'node:os';
import { createTransport } from 'nodemailer';
import type { FormattedAlert } from '../format-alert.js';

export interface EmailConfig {
  readonly to: string | readonly string[];
  readonly smtp: string;
  readonly from?: string | undefined;
}

/** Sends the alert as a plain-text mail; throws on failure (the message never holds the password). */
export async function sendEmail(config: EmailConfig, alert: FormattedAlert, timeoutMs: number): Promise<void> {
  const transport = createTransport({ url: config.smtp, connectionTimeout: timeoutMs, greetingTimeout: timeoutMs, socketTimeout: timeoutMs, logger: false, debug: false });
  let timer: NodeJS.Timeout | undefined;
  try {
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        reject(new Error(`the mail server did not take the message within ${String(timeoutMs)} ms`));
      }, timeoutMs);
    });
    const to = typeof config.to === 'string' ? config.to : config.to.join(', ');
    await Promise.race([transport.sendMail({ from: config.from ?? `Berth <berth@${hostname()}>`, to, subject: alert.subject, text: alert.text }), deadline]);
  } catch (error) {
    throw new Error(`email: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    clearTimeout(timer);
    transport.close();
  }
}
