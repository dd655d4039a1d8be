// Ordered fallback: a message goes to the first channel that accepts it; the channels after it are tried only
// when those before failed. A channel with `all: true` gets every message as well. Channels that already took
// the message (an earlier attempt) are not sent it again.
import type { AlertChannel, ChannelResult } from './alert-types.js';

export interface DeliveryOutcome {
  /** Channel ids that have the message now (earlier attempts included). */
  readonly delivered: readonly string[];
  readonly results: readonly ChannelResult[];
  /** True when a channel accepted it and every `all: true` channel has it: nothing more to do. */
  readonly done: boolean;
  /** True when a channel to try was over its rate limit: try again later, not counted as a failure. */
  readonly deferred: boolean;
}

/** Delivers through `channels` in order; `send` never throws; `allowed` says whether a channel is under its rate limit. */
export async function deliverAlert(channels: readonly AlertChannel[], already: readonly string[], send: (channel: AlertChannel) => Promise<ChannelResult>, allowed: (channel: AlertChannel) => boolean = () => true): Promise<DeliveryOutcome> {
  const delivered = new Set(already);
  const results: ChannelResult[] = [];
  let accepted = delivered.size > 0;
  let deferred = false;
  for (const channel of channels) {
    if (delivered.has(channel.id)) continue;
    if (accepted && !channel.all) continue;
    if (!allowed(channel)) {
      deferred = true;
      // The rest of the chain waits too: a fallback must not take over because the first is merely busy.
      if (!accepted) break;
      continue;
    }
    const result = await send(channel);
    results.push(result);
    if (result.ok) {
      delivered.add(channel.id);
      accepted = true;
    }
  }
  const done = accepted && channels.every((channel) => !channel.all || delivered.has(channel.id));
  return { delivered: [...delivered], results, done, deferred };
}
