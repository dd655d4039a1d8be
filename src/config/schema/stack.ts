// The whole stack file. This schema is the source of truth: JSON Schema and the reference docs are generated from it.
import { z } from 'zod';
import { alertsSchema } from './alerts.js';
import { edgeSchema } from './edge.js';
import { jobSchema } from './job.js';
import { commandSchema, durationSchema, envFileSchema, envMapSchema, nameSchema } from './primitives.js';
import { serviceSchema } from './service.js';

export const deploySettingsSchema = z
  .strictObject({
    keep: z.number().int().min(2).max(100).default(5).meta({ description: 'Releases to keep; the running one and the one before are never deleted.' }),
    verify: durationSchema.default('10s').meta({ description: 'After switching, how long new instances must stay healthy before the deploy counts as done.' }),
    hooks: z
      .strictObject({
        pre: z.array(commandSchema).default([]).meta({ description: 'Commands run before a deploy changes anything.' }),
        post: z.array(commandSchema).default([]).meta({ description: 'Commands run after a successful deploy.' }),
      })
      .prefault({}),
  })
  .prefault({})
  .meta({ description: 'Stack-wide deploy settings.' });

/** The shape of the stack file itself (after interpolation and environment overlay). */
export const stackSchema = z
  .strictObject({
    name: nameSchema.optional().meta({ description: 'The stack name. Default: the folder name of berth.yml.' }),
    env_file: envFileSchema.optional(),
    env: envMapSchema.default({}).meta({ description: 'Environment variables for every service and job.' }),
    services: z.record(nameSchema, serviceSchema).meta({ description: 'The services, by name.' }),
    jobs: z.record(nameSchema, jobSchema).default({}).meta({ description: 'Scheduled commands, by name, run by the daemon: `every` counts from the last run, `schedule` is cron; a run missed while the daemon was down is made up once. Each run is its own process group; output goes to `.berth/logs/job.NAME.log` (`berth logs NAME`), outcomes to `berth events` and `berth status`. See docs/guides/jobs.md.' }),
    edge: edgeSchema.optional(),
    alerts: alertsSchema.optional(),
    deploy: deploySettingsSchema,
    environments: z
      .record(nameSchema, z.record(z.string(), z.unknown()))
      .default({})
      .meta({ description: 'Overlays by environment name (`berth up --env staging`): each is merged over the file; maps merge, lists and values replace, `null` removes a key.' }),
  })
  .meta({ title: 'berth.yml', description: 'A Berth stack: everything that runs on this server.' });

export type StackInput = z.input<typeof stackSchema>;
export type StackOutput = z.output<typeof stackSchema>;
export type ServiceOutput = z.output<typeof serviceSchema>;
