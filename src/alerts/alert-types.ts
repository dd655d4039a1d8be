// What an alert is once an event has been judged: a message about an incident (opened or resolved), a one-off
// notice, a summary of messages held back by the rate limit, or a test.
import type { ResolvedStack } from '../config/resolved-stack.js';

/** The switches of `alerts.events`. */
export type AlertEvents = ResolvedStack['alerts']['events'];
export type AlertSwitch = keyof AlertEvents;

export type AlertState = 'open' | 'resolved' | 'notice' | 'summary' | 'test';

/** One message, as queued in state.db (no secrets: it is made from redacted events). */
export interface AlertMessage {
  /** The dedupe key: `type:subject` (subject: the service, host or folder; `stack` for the whole stack). */
  readonly key: string;
  readonly state: AlertState;
  /** The event type behind it (crash_loop, service_down, backup_failed, ...). */
  readonly type: string;
  readonly service: string | null;
  /** Short headline: `web is crash-looping`. */
  readonly title: string;
  /** What happened, in a sentence or two. */
  readonly what: string;
  /** When the incident began (ms since the epoch). */
  readonly since: number;
  /** When this message was made. */
  readonly time: number;
  /** The command to look further: `berth logs web -n 50`. */
  readonly look: string;
  /** Notices: how many more of the same were held back since the last one. */
  readonly repeats?: number;
}

/** A channel of `alerts:` with its place in the list: `1:telegram`, `2:email`. */
export interface AlertChannel {
  readonly id: string;
  readonly kind: 'webhook' | 'slack' | 'telegram' | 'email' | 'exec';
  readonly all: boolean;
  readonly config: ResolvedStack['alerts']['channels'][number];
}

/** What one channel did with one message. */
export interface ChannelResult {
  readonly channel: string;
  readonly ok: boolean;
  /** Why it failed, secrets blanked. */
  readonly error?: string;
  readonly ms: number;
}

/** Lists the configured channels with their ids. */
export function listChannels(channels: ResolvedStack['alerts']['channels']): AlertChannel[] {
  return channels.map((config, index) => {
    const kind = config.webhook !== undefined ? 'webhook' : config.slack !== undefined ? 'slack' : config.telegram !== undefined ? 'telegram' : config.email !== undefined ? 'email' : 'exec';
    return { id: `${String(index + 1)}:${kind}`, kind, all: config.all, config };
  });
}
