// Alerts: ordered channels with fallback, and which events are sent.
import { z } from 'zod';
import { commandSchema, durationSchema, requireExactlyOne } from './primitives.js';

export const CHANNEL_KINDS = ['webhook', 'slack', 'telegram', 'email', 'exec'] as const;

export const channelSchema = z
  .strictObject({
    webhook: z.strictObject({ url: z.url(), secret: z.string().optional().meta({ description: 'Signs the JSON body with HMAC-SHA256.' }) }).optional().meta({ description: 'POST the event as JSON.' }),
    slack: z.strictObject({ url: z.url() }).optional().meta({ description: 'A Slack-compatible incoming webhook.' }),
    telegram: z
      .strictObject({
        token: z.string().min(1),
        chat: z.union([z.string(), z.number()]),
        api: z.url().optional().meta({ description: 'The Bot API server (default `https://api.telegram.org`); for a self-hosted Bot API server.' }),
      })
      .optional()
      .meta({ description: 'Telegram Bot API.' }),
    email: z.strictObject({ to: z.union([z.string(), z.array(z.string()).min(1)]), smtp: z.string().min(1).meta({ description: 'SMTP URL, e.g. `smtps://user:pass@host:465`.' }), from: z.string().optional() }).optional().meta({ description: 'Email over SMTP.' }),
    exec: commandSchema.optional().meta({ description: 'A command that gets the event as JSON on stdin.' }),
    all: z.boolean().default(false).meta({ description: 'Send here as well, not only as a fallback.' }),
  })
  .superRefine(requireExactlyOne(CHANNEL_KINDS, 'each alert channel is one of `webhook`, `slack`, `telegram`, `email`, `exec`'))
  .meta({ description: 'An alert channel. The list is ordered: a message goes to the first channel that accepts it; the rest are fallbacks.' });

const flag = (on: boolean, description: string) => z.boolean().default(on).meta({ description });

export const alertEventsSchema = z
  .strictObject({
    crash_loop: flag(true, 'A service keeps crashing (one alert per loop, not per crash).'),
    watchdog_restart: flag(true, 'A service was restarted because its live probe failed.'),
    service_down: flag(true, 'A service has been down longer than `down_after`.'),
    deploy_failed: flag(true, 'A deploy failed or was rolled back.'),
    deploy_succeeded: flag(false, 'A deploy succeeded.'),
    backup_failed: flag(true, 'A backup failed verification or is overdue.'),
    job_failed: flag(true, 'A scheduled job failed (non-zero exit, killed, or timed out); resolved by its next success.'),
    cert_expiring: flag(true, 'A certificate expires within 14 days or its renewal failed.'),
    disk_full: flag(true, 'A data folder or `.berth/` is on a nearly full disk.'),
    unclean_restart: flag(true, 'The daemon started after an unclean stop.'),
  })
  .prefault({});

export const alertsSchema = z
  .union([
    z.array(channelSchema),
    z.strictObject({
      channels: z.array(channelSchema).default([]),
      events: alertEventsSchema.meta({ description: 'Which events alert.' }),
      down_after: durationSchema.default('60s').meta({ description: 'How long a service must be down before `service_down` alerts.' }),
      disk_threshold: z.number().min(1).max(100).default(90).meta({ description: 'Percent of a disk in use at which `disk_full` alerts (data folders and `.berth/`).' }),
      rate_limit: z.number().int().min(1).default(10).meta({ description: 'At most this many messages a minute to one channel; the rest are sent later as one summary.' }),
    }),
  ])
  .meta({ description: 'Where alerts go: a list of channels, or `{ channels, events, down_after }`.' });
