// Building blocks shared by the stack-file schema: names, durations, sizes, cron, ports, env maps.
import { z } from 'zod';
import { checkCron } from '../../shared/check-cron.js';
import { parseDuration } from '../../shared/duration.js';
import { parseSize } from '../../shared/size.js';

/** Issue params that tell the error mapper which catalogued code a refinement stands for. */
export interface BerthIssueParams {
  readonly berth: 'duration' | 'size' | 'cron' | 'one_of' | 'value' | 'name';
  readonly options?: string;
  readonly advice?: string;
  readonly reason?: string;
  readonly expected?: string;
}

export const NAME_PATTERN = /^[a-z][a-z0-9_-]{0,62}$/;

/** A service, job or environment name. */
export const nameSchema = z.string().regex(NAME_PATTERN).meta({ description: 'Lower-case letters, digits, `-` and `_`, starting with a letter.' });

/** A duration string such as `500ms`, `10s`, `5m`. */
export const durationSchema = z
  .string()
  .refine((value) => parseDuration(value) !== undefined, { params: { berth: 'duration' } satisfies BerthIssueParams })
  .meta({ description: 'A duration: a number and a unit (`ms`, `s`, `m`, `h`, `d`), e.g. `500ms`, `10s`, `5m`.', pattern: '^\\d+(\\.\\d+)?(ms|s|m|h|d)$' });

/** A size string such as `10mb`, or a number of bytes. */
export const sizeSchema = z
  .union([z.string(), z.number().int().nonnegative()])
  .refine((value) => parseSize(value) !== undefined, { params: { berth: 'size' } satisfies BerthIssueParams })
  .meta({ description: 'A size: bytes, or a number and a unit (`kb`, `mb`, `gb`; powers of 1024), e.g. `10mb`.' });

/** A five-field cron expression, checked with croner. */
export const cronSchema = z
  .string()
  .superRefine((value, ctx) => {
    const reason = checkCron(value);
    if (reason !== undefined) ctx.addIssue({ code: 'custom', message: reason, params: { berth: 'cron', reason } satisfies BerthIssueParams });
  })
  .meta({ description: 'A cron expression with five fields: minute hour day-of-month month day-of-week, e.g. `"0 2 * * *"`.' });

export const portSchema = z.number().int().min(1).max(65535).meta({ description: 'A TCP port, 1 to 65535.' });

/** A command: a string runs through `/bin/sh -c`; a list runs the program directly. */
export const commandSchema = z
  .union([z.string().min(1), z.array(z.string()).min(1)])
  .meta({ description: 'A string runs with `/bin/sh -c`; a list (`[program, arg, ...]`) runs the program directly, without a shell.' });

/** Environment variables; numbers and booleans are turned into strings. */
export const envMapSchema = z
  .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.union([z.string(), z.number(), z.boolean()]))
  .meta({ description: 'Environment variables for the process. Values may use `${VAR}` and `${services.NAME.url}`.' });

/** How a process group is stopped: a signal to the whole group, then SIGKILL after a grace period (services and jobs). */
export const stopSchema = z
  .strictObject({
    signal: z.enum(['SIGTERM', 'SIGINT', 'SIGQUIT', 'SIGHUP', 'SIGUSR1', 'SIGUSR2', 'SIGKILL']).default('SIGTERM').meta({ description: 'Sent to the whole process group.' }),
    timeout: durationSchema.default('10s').meta({ description: 'Then the group is killed with SIGKILL.' }),
  })
  .prefault({});

export const envFileSchema = z
  .union([z.string(), z.array(z.string())])
  .meta({ description: 'Env file(s) with `NAME=value` lines, relative to berth.yml. Default: `.env` beside berth.yml when it exists. Values from env files are treated as secrets.' });

/** Builds a refinement that demands exactly one of the listed keys. */
export function requireExactlyOne(keys: readonly string[], advice: string) {
  return (value: Record<string, unknown>, ctx: z.RefinementCtx): void => {
    const present = keys.filter((key) => value[key] !== undefined);
    if (present.length !== 1) {
      const options = keys.map((k) => `\`${k}\``).join(', ');
      const found = present.length === 0 ? 'none of them' : present.map((k) => `\`${k}\``).join(' and ');
      ctx.addIssue({ code: 'custom', message: `exactly one of ${options}`, params: { berth: 'one_of', options, advice: `${advice} (found ${found})` } satisfies BerthIssueParams });
    }
  };
}
