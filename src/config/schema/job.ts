// Jobs: commands run on a schedule by the daemon.
import { z } from 'zod';
import { commandSchema, cronSchema, durationSchema, envFileSchema, envMapSchema, nameSchema, requireExactlyOne, stopSchema } from './primitives.js';

export const jobSchema = z
  .strictObject({
    command: commandSchema,
    every: durationSchema.optional().meta({ description: 'Run at this interval, e.g. `5m`.' }),
    schedule: cronSchema.optional().meta({ description: 'Run on this cron schedule.' }),
    overlap: z.enum(['forbid', 'allow', 'replace']).default('forbid').meta({ description: 'When a run is due while the previous one still runs: skip it (`forbid`), run both (`allow`), or stop the old one (`replace`).' }),
    missed: z.enum(['run', 'skip']).default('run').meta({ description: 'A run whose time came while the daemon was down: made up once when it starts again, after the `depends_on` services are ready (`run`), or not (`skip`).' }),
    timeout: durationSchema.optional().meta({ description: 'Stop a run that takes longer than this.' }),
    stop: stopSchema.meta({ description: 'How a run is stopped (on `timeout`, `overlap: replace`, `berth down`, or a deploy that removes the job).' }),
    cwd: z.string().optional().meta({ description: 'Working folder, relative to berth.yml.' }),
    env: envMapSchema.default({}),
    env_file: envFileSchema.optional(),
    depends_on: z.array(nameSchema).default([]).meta({ description: 'Services that must be ready before a run starts.' }),
  })
  .superRefine(requireExactlyOne(['every', 'schedule'], 'say when the job runs: `every: 5m` or `schedule: "0 2 * * *"`'))
  .meta({ description: 'A command run on a schedule.' });
