// Backups of a service's data: schedule, retention, off-site copy.
import { z } from 'zod';
import { cronSchema } from './primitives.js';

export const backupSchema = z
  .strictObject({
    schedule: cronSchema.optional().meta({ description: 'When to back up (cron). Without it, backups run only on demand or before deploys.' }),
    keep: z
      .strictObject({
        last: z.number().int().min(0).default(0).meta({ description: 'Most recent backups to keep.' }),
        daily: z.number().int().min(0).default(7).meta({ description: 'Days for which the newest backup is kept.' }),
        weekly: z.number().int().min(0).default(4).meta({ description: 'Weeks for which the newest backup is kept.' }),
        monthly: z.number().int().min(0).default(0).meta({ description: 'Months for which the newest backup is kept.' }),
      })
      .prefault({})
      .meta({ description: 'Retention (restic-style). The newest verified backup is never deleted.' }),
    before_deploy: z.boolean().default(false).meta({ description: 'Back up before every deploy that changes this service; a failed backup aborts the deploy.' }),
    paths: z.array(z.string().min(1)).optional().meta({ description: 'Folders to archive (a `files` backup), for services without a recipe.' }),
    offsite: z.string().optional().meta({ description: 'An rclone remote (`remote:path`) that verified backups are copied to.' }),
    encrypt_key: z.string().optional().meta({ description: 'A key file; backups are encrypted at rest with it. Never stored beside the backups.' }),
  })
  .meta({ description: 'Verified backups of this service.' });
