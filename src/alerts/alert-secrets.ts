// The secrets an alert configuration holds: bot tokens, webhook signing secrets, SMTP passwords, and URLs that are
// credentials themselves (a Slack incoming webhook). They are blanked in logs, events and error messages.
import type { ResolvedStack } from '../config/resolved-stack.js';

type Channels = ResolvedStack['alerts']['channels'];

// Shorter values are not blanked: they would blank half of every message and protect nothing.
const MIN_LENGTH = 4;

function urlSecrets(text: string): string[] {
  try {
    const url = new URL(text);
    const out = [url.password, decodeURIComponent(url.password), url.search.slice(1)];
    return out.filter((value) => value.length >= MIN_LENGTH);
  } catch {
    return [];
  }
}

/** Every secret value in the alert channels, longest first. */
export function collectAlertSecrets(channels: Channels): string[] {
  const values = new Set<string>();
  const add = (value: string | undefined): void => {
    if (value !== undefined && value.length >= MIN_LENGTH) {
      values.add(value);
      values.add(encodeURIComponent(value));
    }
  };
  for (const channel of channels) {
    add(channel.telegram?.token);
    add(channel.webhook?.secret);
    // The whole Slack URL is the credential; its path alone too (it may appear without the host).
    if (channel.slack !== undefined) {
      add(channel.slack.url);
      try {
        add(new URL(channel.slack.url).pathname);
      } catch {
        // Validated as a URL by the schema.
      }
    }
    if (channel.webhook !== undefined) for (const value of urlSecrets(channel.webhook.url)) add(value);
    if (channel.email !== undefined) for (const value of urlSecrets(channel.email.smtp)) add(value);
  }
  return [...values].sort((a, b) => b.length - a.length);
}

/** A function that blanks the given secrets in a text. */
export function createSecretBlanker(secrets: readonly string[]): (text: string) => string {
  return (text) => secrets.reduce((out, secret) => (out.includes(secret) ? out.split(secret).join('<redacted>') : out), text);
}
