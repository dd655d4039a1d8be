// Health probes: startup, ready and live each use one kind of check.
import { z } from 'zod';
import { commandSchema, durationSchema, portSchema, requireExactlyOne, type BerthIssueParams } from './primitives.js';

export const PROBE_KINDS = ['http', 'tcp', 'exec', 'log', 'notify', 'postgres', 'redis'] as const;

const regexSchema = z
  .string()
  .min(1)
  .superRefine((value, ctx) => {
    try {
      new RegExp(value);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      ctx.addIssue({ code: 'custom', message: reason, params: { berth: 'value', advice: `fix the regular expression: ${reason}` } satisfies BerthIssueParams });
    }
  });

const httpCheckSchema = z.union([
  z.string().startsWith('/').meta({ description: 'The path to GET; any 2xx answer passes.' }),
  z.strictObject({
    path: z.string().startsWith('/').default('/').meta({ description: 'The path to GET.' }),
    status: z.union([z.number().int().min(100).max(599), z.array(z.number().int().min(100).max(599)).min(1)]).optional().meta({ description: 'Status code(s) that pass. Default: any 2xx.' }),
    body: regexSchema.optional().meta({ description: 'A regular expression the response body must match.' }),
    port: portSchema.optional().meta({ description: 'Port to probe. Default: the service port.' }),
  }),
]);

export const probeSchema = z
  .strictObject({
    http: httpCheckSchema.optional().meta({ description: 'HTTP GET against the service on 127.0.0.1: a path, or `{ path, status, body, port }`.' }),
    tcp: z.union([z.literal(true), portSchema]).optional().meta({ description: 'A TCP connect: `true` for the service port, or a port number.' }),
    exec: commandSchema.optional().meta({ description: 'A command run with the service environment; exit 0 passes.' }),
    log: regexSchema.optional().meta({ description: 'A regular expression matched against each line the service prints; the first match passes (startup/ready only).' }),
    notify: z.literal(true).optional().meta({ description: 'The service writes `READY` to the file descriptor named in `$BERTH_NOTIFY_FD`.' }),
    postgres: z.literal(true).optional().meta({ description: 'A real query over the PostgreSQL protocol (recipe services).' }),
    redis: z.literal(true).optional().meta({ description: 'PING over the Redis protocol (recipe services).' }),
    interval: durationSchema.default('10s').meta({ description: 'Time between probes once started; while starting Berth probes much faster (from ~10 ms, backing off to this).' }),
    timeout: durationSchema.default('2s').meta({ description: 'How long one probe may take before it counts as failed.' }),
    failures: z.number().int().min(1).max(100).default(3).meta({ description: 'Consecutive failures before the probe counts as failing (live: restart).' }),
    start_timeout: durationSchema.default('60s').meta({ description: 'startup/ready: how long the service may take to pass before its start counts as failed.' }),
  })
  .superRefine(requireExactlyOne(PROBE_KINDS, 'a probe checks one thing, e.g. `ready: { http: /health }`'))
  .meta({ description: 'A health probe: exactly one of `http`, `tcp`, `exec`, `log`, `notify`, `postgres`, `redis`, plus timing.' });
