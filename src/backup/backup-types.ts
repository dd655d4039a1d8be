// The shapes every part of backups shares: what a backup is (its catalog record and the manifest beside its file),
// what a backup job needs to run, and what it reports. A backup is good only when verified by restoring it.

export type BackupKind = 'postgres' | 'redis' | 'files';
export type BackupState = 'running' | 'verified' | 'failed';
/** Why it ran: its cron schedule, a schedule missed while the daemon was down, `berth backup`, before a deploy,
 * or the safety copy `berth restore` takes first. */
export type BackupTrigger = 'schedule' | 'missed' | 'manual' | 'deploy' | 'restore';

/** What the verification compared (kind-specific), recorded for every backup. */
export type Verification =
  /** Restored into a scratch database on the same server (dropped afterwards): tables and row counts compared
   * with the source's, counted in the snapshot pg_dump dumped. */
  | { readonly kind: 'postgres'; readonly ok: boolean; readonly tables: number; readonly rows: number; readonly mismatches: readonly string[]; readonly ms: number }
  /** redis-check-rdb passed and a scratch redis-server loaded the file with the key count of the snapshot. */
  | { readonly kind: 'redis'; readonly ok: boolean; readonly keys: number; readonly loadedKeys: number | null; readonly ms: number; readonly detail: string }
  /** The archive read through: every file recorded at archive time is in it with its size. */
  | { readonly kind: 'files'; readonly ok: boolean; readonly files: number; readonly bytes: number; readonly mismatches: readonly string[]; readonly ms: number };

export interface OffsiteCopy {
  readonly remote: string;
  readonly state: 'copied' | 'failed';
  /** The remote's sha256 of the copy equals the local one (checked after the copy). */
  readonly checked: boolean;
  readonly reason: string | null;
  readonly at: number;
}

/** One backup: a row of the catalog in state.db, and (without `id`) the manifest JSON beside the file. */
export interface BackupRecord {
  /** `<service>-<UTC yyyymmddThhmmssZ>` (plus `-2`, `-3` when two start in one second). */
  readonly id: string;
  readonly service: string;
  readonly kind: BackupKind;
  readonly state: BackupState;
  readonly trigger: BackupTrigger;
  readonly startedAt: number;
  readonly finishedAt: number | null;
  /** Absolute path of the backup file (only ever one Berth created). */
  readonly file: string;
  readonly size: number | null;
  readonly sha256: string | null;
  /** e.g. `PostgreSQL 15.18`, `Redis 7.0.15`, `tar`. */
  readonly serverVersion: string | null;
  readonly encrypted: boolean;
  readonly verification: Verification | null;
  /** Why it failed (null unless state is failed). */
  readonly reason: string | null;
  readonly offsite: OffsiteCopy | null;
}

/** Where a backup job finds the data it backs up. */
export type BackupSource =
  | { readonly kind: 'postgres'; readonly host: string; readonly port: number; readonly user: string; readonly password: string; readonly database: string; readonly binDir: string }
  | { readonly kind: 'redis'; readonly host: string; readonly port: number; readonly password: string | null; readonly dataDir: string; readonly binDir: string | null }
  | { readonly kind: 'files'; readonly root: string; readonly paths: readonly string[] };

export interface BackupJob {
  readonly id: string;
  readonly service: string;
  readonly trigger: BackupTrigger;
  readonly source: BackupSource;
  /** Folder the file and its manifest are written to (`.berth/backups/<service>/`). */
  readonly dir: string;
  /** A key file (32 bytes, raw or hex or base64): the file is encrypted at rest with AES-256-GCM. */
  readonly encryptKeyFile: string | null;
  /** Called when the job's state changes (running, then verified or failed), for the catalog and events. */
  readonly onUpdate: (record: BackupRecord) => void;
}
