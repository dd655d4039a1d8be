// The edge: the built-in HTTP(S) front door.
import { z } from 'zod';
import { durationSchema, portSchema } from './primitives.js';

export const edgeSchema = z
  .strictObject({
    listen: z
      .strictObject({
        http: portSchema.default(80).meta({ description: 'Plain HTTP port.' }),
        https: portSchema.default(443).meta({ description: 'HTTPS port (used when TLS is configured).' }),
        address: z.string().default('0.0.0.0').meta({ description: 'Address the edge listens on.' }),
      })
      .prefault({})
      .meta({ description: 'Where the edge listens.' }),
    workers: z.union([z.literal('auto'), z.number().int().min(1).max(64)]).default('auto').meta({ description: 'Edge worker processes; `auto` is one per core.' }),
    trusted_proxies: z.array(z.string()).default([]).meta({ description: 'Addresses whose X-Forwarded-* headers are trusted; all others are overwritten.' }),
    tls: z
      .strictObject({
        acme: z
          .strictObject({
            email: z.email().meta({ description: 'Contact address for the ACME account.' }),
            directory: z.union([z.enum(['production', 'staging']), z.url()]).default('production').meta({ description: "Let's Encrypt `production` or `staging`, or any ACME directory URL." }),
            dns_hook: z.string().optional().meta({ description: 'A command that sets and clears DNS-01 records; needed for wildcard hosts. Run as `HOOK set|clear NAME VALUE` (also in `$BERTH_DNS_ACTION`, `$BERTH_DNS_NAME`, `$BERTH_DNS_VALUE`).' }),
            dns_resolvers: z.array(z.string().regex(/^[^\s:]+(:\d+)?$/, 'host or host:port')).default([]).meta({ description: 'DNS servers (`host:port`) asked whether a DNS-01 record is visible yet; the system resolver when empty.' }),
            dns_wait: durationSchema.default('60s').meta({ description: 'Longest wait for a DNS-01 record to become visible before the CA is asked to check it.' }),
          })
          .optional()
          .meta({ description: 'Certificates from an ACME CA, obtained and renewed by the edge.' }),
        certs: z
          .array(z.strictObject({ host: z.string().min(1), cert: z.string().min(1), key: z.string().min(1) }))
          .default([])
          .meta({ description: 'Certificates from files, per host (PEM paths relative to berth.yml).' }),
        redirect_http: z.boolean().default(true).meta({ description: 'Redirect HTTP to HTTPS (except ACME challenges).' }),
        hsts: z.boolean().default(false).meta({ description: 'Send Strict-Transport-Security.' }),
      })
      .optional()
      .meta({ description: 'TLS for routed hosts.' }),
  })
  .meta({ description: 'The built-in edge (reverse proxy). It runs when any service has `routes` or `static`.' });
