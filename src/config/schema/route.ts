// Routes: how the edge maps a host and path prefix to a service.
import { z } from 'zod';
import { sizeSchema } from './primitives.js';

const HOST_PATTERN = /^(\*\.)?(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

export const routeSchema = z
  .strictObject({
    host: z.string().regex(HOST_PATTERN).optional().meta({ description: 'Exact host (`app.example.com`) or wildcard (`*.example.com`). Default: any host.' }),
    path: z.string().startsWith('/').default('/').meta({ description: 'Path prefix this route claims; the most specific match wins.' }),
    strip_prefix: z.boolean().default(false).meta({ description: 'Remove the path prefix before passing the request on.' }),
    websocket: z.boolean().default(true).meta({ description: 'Allow WebSocket upgrades on this route.' }),
    rate_limit: z
      .strictObject({
        rps: z.number().positive().meta({ description: 'Requests per second allowed per client IP.' }),
        burst: z.number().int().positive().optional().meta({ description: 'Extra requests allowed in a burst. Default: equal to `rps`.' }),
      })
      .optional()
      .meta({ description: 'Token-bucket rate limit per client IP; over it the edge answers 429 with `Retry-After`.' }),
    auth: z
      .strictObject({
        url: z.url().meta({ description: 'Asked first for every request (nginx auth_request semantics): 2xx passes, 401/403 are returned as they are.' }),
        copy_headers: z.array(z.string()).default([]).meta({ description: 'Headers of the auth answer copied onto the request to the service.' }),
      })
      .optional()
      .meta({ description: 'A subrequest gate in front of the route.' }),
    max_body: sizeSchema.default('10mb').meta({ description: 'Largest request body; larger ones are answered with 413.' }),
  })
  .meta({ description: 'A route from the edge to this service.' });

export const staticSchema = z
  .union([
    z.string().min(1),
    z.strictObject({
      dir: z.string().min(1).meta({ description: 'Folder to serve, relative to berth.yml.' }),
      fallback: z.string().optional().meta({ description: 'File served for paths that match nothing, e.g. `index.html` for a single-page app.' }),
    }),
  ])
  .meta({ description: 'A folder the edge serves itself (a built SPA, say): a path, or `{ dir, fallback }`.' });
