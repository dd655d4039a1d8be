// A service: a long-running process (or a one-shot task), a recipe (postgres, redis), or a static site.
import { z } from 'zod';
import { backupSchema } from './backup.js';
import { commandSchema, durationSchema, envFileSchema, envMapSchema, nameSchema, portSchema, sizeSchema, stopSchema, type BerthIssueParams } from './primitives.js';
import { probeSchema } from './probe.js';
import { routeSchema, staticSchema } from './route.js';

export const RECIPES = ['postgres', 'redis'] as const;
export const CONDITIONS = ['started', 'ready', 'completed'] as const;
export const STRATEGIES = ['blue-green', 'overlap', 'replace'] as const;

const conditionSchema = z.enum(CONDITIONS).meta({ description: '`started`: the process is running; `ready`: its ready probe passed; `completed`: a one-shot service exited 0.' });

const dependsOnSchema = z
  .union([
    z.array(nameSchema),
    z.record(nameSchema, z.union([conditionSchema, z.strictObject({ condition: conditionSchema.default('ready') })])),
  ])
  .meta({ description: 'Services to wait for: a list (each must be `ready`), or a map of name to condition.' });

/** Keys that only make sense with a given recipe. */
export const RECIPE_ONLY_KEYS: Readonly<Record<string, (typeof RECIPES)[number]>> = {
  database: 'postgres',
  user: 'postgres',
  bin_dir: 'postgres',
  settings: 'postgres',
  appendfsync: 'redis',
};

export const serviceSchema = z
  .strictObject({
    command: commandSchema.optional(),
    recipe: z.enum(RECIPES).optional().meta({ description: 'A managed data service: `postgres` or `redis`, run from the server\'s own packages.' }),
    cwd: z.string().optional().meta({ description: 'Working folder, relative to berth.yml. Default: the folder of berth.yml.' }),
    env: envMapSchema.default({}),
    env_file: envFileSchema.optional(),
    build: z
      .strictObject({
        command: commandSchema,
        inputs: z.array(z.string()).default([]).meta({ description: 'Files or globs whose content decides whether the build must run again.' }),
      })
      .optional()
      .meta({ description: 'A build step run by `berth deploy` when its inputs changed.' }),
    release: commandSchema.optional().meta({ description: 'Run once per deploy with the new code and env before services change (e.g. migrations).' }),
    port: portSchema.optional().meta({ description: 'A fixed port the service listens on (recipes default to 5432 / 6379).' }),
    http: z.strictObject({}).optional().meta({ description: 'The service speaks HTTP on `$PORT`, which Berth assigns; the edge routes to it.' }),
    depends_on: dependsOnSchema.default([]),
    startup: probeSchema.optional().meta({ description: 'Passes once after start; ready and live probes wait for it.' }),
    ready: probeSchema.optional().meta({ description: 'Decides when dependents may start and when the edge sends traffic.' }),
    live: probeSchema.optional().meta({ description: 'Failing `failures` times in a row restarts the service (watchdog).' }),
    restart: z.enum(['always', 'on-failure', 'never']).default('always').meta({ description: 'When to restart after an exit. Restarts back off exponentially and never give up for good.' }),
    backoff: z
      .strictObject({
        initial: durationSchema.default('100ms').meta({ description: 'First restart delay, counted from the exit.' }),
        max: durationSchema.default('30s').meta({ description: 'Largest restart delay.' }),
        reset_after: durationSchema.default('60s').meta({ description: 'Uptime after which the delay starts from `initial` again.' }),
      })
      .prefault({})
      .meta({ description: 'Restart backoff.' }),
    stop: stopSchema.meta({ description: 'How to stop the service.' }),
    replicas: z.number().int().min(1).max(64).default(1).meta({ description: 'Instances to run; each gets `$BERTH_INSTANCE`.' }),
    singleton: z.boolean().default(false).meta({ description: 'Never run two instances at once, not even during a deploy.' }),
    oneshot: z.boolean().default(false).meta({ description: 'The service runs once and exits; exit 0 means `completed`.' }),
    deploy: z
      .strictObject({ strategy: z.enum(STRATEGIES).optional().meta({ description: 'Default: `blue-green` for routed services, `replace` for singletons and recipes, `overlap` otherwise.' }) })
      .prefault({})
      .meta({ description: 'How `berth deploy` replaces this service.' }),
    routes: z.array(routeSchema).default([]).meta({ description: 'Hosts and paths the edge sends to this service.' }),
    static: staticSchema.optional(),
    logs: z
      .strictObject({
        max_size: sizeSchema.default('10mb').meta({ description: 'Rotate the log file at this size.' }),
        keep: z.number().int().min(0).max(100).default(5).meta({ description: 'Rotated files to keep.' }),
      })
      .prefault({})
      .meta({ description: 'Log files under `.berth/logs/`.' }),
    backup: backupSchema.optional(),
    data: z.string().min(1).optional().meta({ description: 'Data folder (recipes), relative to berth.yml. Berth never deletes it.' }),
    args: z.array(z.string()).default([]).meta({ description: 'Extra server arguments (recipes), e.g. `[--maxmemory, 512mb]`.' }),
    password: z.string().optional().meta({ description: 'Recipe password; use `${VAR}` from the env file. Postgres: generated and stored under `.berth/secrets/` when absent.' }),
    database: nameSchema.optional().meta({ description: 'postgres: database created with its role on first start.' }),
    user: nameSchema.optional().meta({ description: 'postgres: role name. Default: the database name.' }),
    bin_dir: z.string().optional().meta({ description: 'postgres: folder of the server binaries. Default: found on PATH or under /usr/lib/postgresql.' }),
    settings: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}).meta({ description: 'postgres: extra postgresql.conf settings.' }),
    appendfsync: z.enum(['always', 'everysec', 'no']).default('everysec').meta({ description: 'redis: AOF fsync policy.' }),
  })
  .superRefine((service, ctx) => {
    const kinds = ['command', 'recipe', 'static'].filter((key) => service[key as 'command'] !== undefined);
    if (kinds.length === 0 || (service.command !== undefined && service.recipe !== undefined)) {
      const found = kinds.length === 0 ? 'none of them' : '`command` and `recipe`';
      ctx.addIssue({ code: 'custom', message: 'command or recipe', params: { berth: 'one_of', options: '`command`, `recipe` or `static`', advice: `say what runs: \`command: node server.js\`, \`recipe: postgres\`, or \`static: ./public\` (found ${found})` } satisfies BerthIssueParams });
    }
    for (const [key, recipe] of Object.entries(RECIPE_ONLY_KEYS)) {
      const raw = service[key as keyof typeof service];
      const isDefault = raw === undefined || (key === 'settings' && Object.keys(raw as object).length === 0) || (key === 'appendfsync' && raw === 'everysec');
      if (!isDefault && service.recipe !== recipe) {
        ctx.addIssue({ code: 'custom', path: [key], message: `only with recipe ${recipe}`, params: { berth: 'value', expected: `\`${key}\` only with \`recipe: ${recipe}\``, advice: `\`${key}\` applies to \`recipe: ${recipe}\` only; remove it or set the recipe` } satisfies BerthIssueParams });
      }
    }
  })
  .meta({ description: 'A service: `command` (a process), `recipe` (postgres, redis) or `static` (a folder the edge serves).' });
