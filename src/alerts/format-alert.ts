// Pure: the words of an alert. Every message names the stack, the host, the service, what happened, since when,
// and the command to look further.
import type { AlertMessage } from './alert-types.js';

export interface AlertOrigin {
  readonly stack: string;
  /** os.hostname() of the server. */
  readonly host: string;
}

/** What a channel sends: a subject line, the text, and the JSON for webhooks and `exec:` commands. */
export interface FormattedAlert {
  readonly subject: string;
  readonly text: string;
  readonly json: Readonly<Record<string, unknown>>;
}

const LABEL: Readonly<Record<AlertMessage['state'], string>> = { open: 'ALERT', resolved: 'RESOLVED', notice: 'NOTICE', summary: 'ALERTS', test: 'TEST' };

/** `3m`, `2h 5m`, `4d 1h`: how long ago, for "since". */
export function formatAgo(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  if (minutes < 1) return `${String(Math.max(0, Math.round(ms / 1000)))}s`;
  if (minutes < 60) return `${String(minutes)}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${String(hours)}h ${String(minutes % 60)}m`;
  return `${String(Math.floor(hours / 24))}d ${String(hours % 24)}h`;
}

/** The UTC time to the second: 2026-11-01 14:03:07 UTC. */
export function formatUtc(time: number): string {
  return `${new Date(time).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** Formats a message for people (subject, text) and programs (json). */
export function formatAlert(message: AlertMessage, origin: AlertOrigin): FormattedAlert {
  const label = LABEL[message.state];
  const subject = `[${origin.stack}@${origin.host}] ${label}: ${message.title}`;
  const since = message.state === 'resolved' ? `${formatUtc(message.since)} (lasted ${formatAgo(message.time - message.since)})` : `${formatUtc(message.since)} (${formatAgo(message.time - message.since)} ago)`;
  const lines = [
    subject,
    '',
    message.what,
    ...(message.repeats === undefined ? [] : [`${String(message.repeats)} more like this were held back since the last message.`]),
    '',
    `Stack:   ${origin.stack}`,
    `Host:    ${origin.host}`,
    `Service: ${message.service ?? '-'}`,
    `Since:   ${since}`,
    `Look:    ${message.look}`,
  ];
  const json = {
    stack: origin.stack,
    host: origin.host,
    state: message.state,
    type: message.type,
    key: message.key,
    service: message.service,
    title: message.title,
    what: message.what,
    since: new Date(message.since).toISOString(),
    time: new Date(message.time).toISOString(),
    look: message.look,
    ...(message.repeats === undefined ? {} : { repeats: message.repeats }),
    text: lines.join('\n'),
  };
  return { subject, text: lines.join('\n'), json };
}
