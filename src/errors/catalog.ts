// The error catalog: every user-facing problem Berth reports has a stable code here.
// docs/reference/errors.md is generated from this table and a test keeps them in step.

/** Whether a finding stops the operation (error) or only informs (warning). */
export type Severity = 'error' | 'warning';

export interface CatalogEntry {
  readonly severity: Severity;
  /** Area of Berth that reports it; groups rows in the docs. */
  readonly area: 'file' | 'schema' | 'interpolation' | 'lint' | 'cli' | 'init' | 'recipe' | 'edge' | 'backup' | 'deploy' | 'alert' | 'job' | 'api' | 'internal';
  /** Message template; `{name}` placeholders are filled from the diagnostic's params. */
  readonly message: string;
  /** What to do about it; placeholders allowed. */
  readonly hint: string;
}

export const errorCatalog = {
  BERTH_E_FILE_NOT_FOUND: { severity: 'error', area: 'file', message: 'stack file {file} does not exist', hint: 'run `berth init` to write one, or pass the path: `berth check path/to/berth.yml`' },
  BERTH_E_FILE_READ: { severity: 'error', area: 'file', message: 'cannot read {file}: {reason}', hint: 'check the file exists and that this user may read it' },
  BERTH_E_YAML_SYNTAX: { severity: 'error', area: 'file', message: 'YAML syntax error: {reason}', hint: 'fix the YAML at the marked place; indentation must use spaces, and a value containing `: ` or `#` needs quotes' },
  BERTH_E_YAML_DUPLICATE_KEY: { severity: 'error', area: 'file', message: 'key {key} appears twice in the same mapping', hint: 'remove one of them; YAML keeps only one and Berth will not guess which you meant' },
  BERTH_E_YAML_NOT_MAPPING: { severity: 'error', area: 'file', message: 'the stack file must be a mapping of keys such as `services:`', hint: 'start the file with `services:` and one entry per service' },
  BERTH_E_ENV_FILE_NOT_FOUND: { severity: 'error', area: 'file', message: 'env file {file} does not exist', hint: 'create it (keep it out of git), or remove it from `env_file`' },
  BERTH_E_ENV_FILE_SYNTAX: { severity: 'error', area: 'file', message: 'env file line is not KEY=VALUE: {reason}', hint: 'each line is `NAME=value`; quote values with spaces or `#`; comments start with `#`' },
  BERTH_E_ENVIRONMENT_UNKNOWN: { severity: 'error', area: 'file', message: 'environment {environment} is not defined', hint: 'add it under `environments:` or create {overlay} beside the stack file; defined: {known}' },
  BERTH_E_SCHEMA_UNKNOWN_KEY: { severity: 'error', area: 'schema', message: 'unknown key {key}', hint: '{suggestion}' },
  BERTH_E_SCHEMA_REQUIRED: { severity: 'error', area: 'schema', message: '{field} is required', hint: 'add `{key}:` ({expected})' },
  BERTH_E_SCHEMA_TYPE: { severity: 'error', area: 'schema', message: '{field} has the wrong type', hint: 'write {expected} here' },
  BERTH_E_SCHEMA_VALUE: { severity: 'error', area: 'schema', message: '{field} has an invalid value', hint: '{advice}' },
  BERTH_E_SCHEMA_DURATION: { severity: 'error', area: 'schema', message: '{field} is not a duration', hint: 'write a number and a unit: `500ms`, `10s`, `5m`, `2h`, `1d`' },
  BERTH_E_SCHEMA_SIZE: { severity: 'error', area: 'schema', message: '{field} is not a size', hint: 'write a number and a unit: `512kb`, `10mb`, `1gb`' },
  BERTH_E_SCHEMA_CRON: { severity: 'error', area: 'schema', message: '{field} is not a cron expression: {reason}', hint: 'five fields: minute hour day-of-month month day-of-week, e.g. "0 2 * * *" for 02:00 daily' },
  BERTH_E_SCHEMA_ONE_OF: { severity: 'error', area: 'schema', message: '{field} must set exactly one of {options}', hint: '{advice}' },
  BERTH_E_SCHEMA_NAME: { severity: 'error', area: 'schema', message: '{kind} name {name} is not allowed', hint: '{advice}' },
  BERTH_E_VAR_UNSET: { severity: 'error', area: 'interpolation', message: 'variable {variable} has no value and no default', hint: 'set {variable} in the env file or the environment, or give a default: `${{variable}:-value}`' },
  BERTH_E_VAR_REQUIRED: { severity: 'error', area: 'interpolation', message: 'variable {variable} is required: {reason}', hint: 'set {variable} in the env file or the environment' },
  BERTH_E_VAR_SYNTAX: { severity: 'error', area: 'interpolation', message: 'malformed interpolation {text}', hint: 'write `${NAME}`, `${NAME:-default}`, `${NAME:?message}` or `${services.NAME.port|url}`; write `$$` for a literal `$`' },
  BERTH_E_REF_UNKNOWN_SERVICE: { severity: 'error', area: 'interpolation', message: '{text} names service {service}, which does not exist', hint: '{suggestion}' },
  BERTH_E_REF_NO_PORT: { severity: 'error', area: 'interpolation', message: '{text}: service {service} has no port', hint: 'give {service} a fixed `port:` or `http: {}`, or use a recipe' },
  BERTH_E_REF_LATE: { severity: 'error', area: 'interpolation', message: '{text} is only known when the stack runs, so it can be used only in `env` values', hint: 'pass it through the environment: `env: { NAME: "{text}" }`, then read $NAME' },
  BERTH_E_DEP_CYCLE: { severity: 'error', area: 'lint', message: 'dependency cycle: {cycle}', hint: 'remove one `depends_on` edge of the cycle; if two services need each other, let one depend on the other with `condition: started` and retry its connection' },
  BERTH_E_DEP_UNKNOWN: { severity: 'error', area: 'lint', message: '{owner} depends on {target}, which does not exist', hint: '{suggestion}' },
  BERTH_E_DEP_COMPLETED_LONG_RUNNING: { severity: 'error', area: 'lint', message: 'service {service} waits for {target} to complete, but {target} is long-running and never completes', hint: 'mark {target} `oneshot: true` if it runs once and exits, or use `condition: ready`' },
  BERTH_E_DEP_READY_NO_PROBE: { severity: 'error', area: 'lint', message: 'service {service} waits for {target} to be ready, but {target} has no way to show readiness', hint: 'give {target} a `ready:` probe (http, tcp, log, exec or notify) or a port, or depend on it with `condition: started`' },
  BERTH_E_PORT_CONFLICT: { severity: 'error', area: 'lint', message: 'port {port} is used by both {first} and {second}', hint: 'give each a different port, or drop `port:` and use `http: {}` so Berth assigns one' },
  BERTH_E_WILDCARD_NEEDS_DNS: { severity: 'error', area: 'lint', message: 'no certificate can be obtained for {host}: a wildcard needs the DNS-01 challenge', hint: 'set `edge.tls.acme.dns_hook` to a command that sets and clears TXT records at your DNS provider, or give {host} a certificate file under `edge.tls.certs`' },
  BERTH_E_ROUTE_CONFLICT: { severity: 'error', area: 'lint', message: 'route {route} is claimed by both {first} and {second}', hint: 'give one of them another host or path prefix' },
  BERTH_E_ROUTE_NO_UPSTREAM: { severity: 'error', area: 'lint', message: 'service {service} has routes but nothing to route to', hint: 'add `http: {}` (Berth assigns $PORT and the edge proxies to it) or `static:` (a folder the edge serves)' },
  BERTH_E_SINGLETON_REPLICAS: { severity: 'error', area: 'lint', message: 'service {service} is a singleton but asks for {replicas} replicas', hint: 'a singleton runs exactly one instance: remove `replicas` or `singleton`' },
  BERTH_E_SINGLETON_STRATEGY: { severity: 'error', area: 'lint', message: 'service {service} is a singleton but deploys with {strategy}, which runs two instances at once', hint: 'use `deploy: { strategy: replace }` for singletons, or leave the strategy out' },
  BERTH_E_RECIPE_NO_DATA: { severity: 'error', area: 'lint', message: 'service {service} uses recipe {recipe} without a `data` folder', hint: 'add `data: ./data/{service}`; Berth never deletes it' },
  BERTH_W_SECRET_LITERAL: { severity: 'warning', area: 'lint', message: '{field} looks like a secret written into the stack file', hint: 'move it to the env file (`{variable}=...` in .env) and write `${{variable}}` here' },
  BERTH_W_ENV_FILE_TRACKED: { severity: 'warning', area: 'lint', message: 'env file {file} is tracked by git', hint: 'secrets in git leak with every clone: `git rm --cached {file}` and add it to .gitignore' },
  BERTH_W_BIND_ALL_INTERFACES: { severity: 'warning', area: 'lint', message: 'service {service} binds 0.0.0.0 although the edge fronts it', hint: 'bind 127.0.0.1 so only the edge can reach it; 0.0.0.0 exposes it past the edge' },
  BERTH_E_USAGE: { severity: 'error', area: 'cli', message: '{reason}', hint: 'run `berth {command} --help` for the options' },
  BERTH_E_INIT_EXISTS: { severity: 'error', area: 'init', message: '{file} already exists', hint: 'Berth never overwrites it; remove or rename it first, or edit it by hand' },
  BERTH_E_INIT_SOURCE: { severity: 'error', area: 'init', message: 'cannot read {file}: {reason}', hint: 'fix the file or move it aside; `berth init` reads it only to suggest services' },
  BERTH_E_RECIPE_BINARIES: { severity: 'error', area: 'recipe', message: 'cannot find the {recipe} server for {service}: {reason}', hint: '{install}' },
  BERTH_E_RECIPE_FOREIGN_DATA: { severity: 'error', area: 'recipe', message: 'data folder {dir} of {service} is not empty and is not a {recipe} data folder', hint: 'Berth never touches a folder it did not make: point `data:` at a new or empty folder, or move the files out of this one' },
  BERTH_E_RECIPE_VERSION_MISMATCH: { severity: 'error', area: 'recipe', message: 'data folder {dir} of {service} was made by PostgreSQL {data}, but the server found is PostgreSQL {binaries} ({bin_dir})', hint: 'keep the data as it is and run PostgreSQL {data}: install it (`apt-get install postgresql-{data}`) and set `bin_dir:` to its bin folder; or upgrade the cluster with `pg_upgrade` (Debian: `pg_upgradecluster`), or dump with {data} and restore into a new data folder' },
  BERTH_E_RECIPE_PORT_IN_USE: { severity: 'error', area: 'recipe', message: 'port {port} of {service} is already in use{owner}', hint: 'stop what listens there, or give {service} another `port:`' },
  BERTH_E_RECIPE_AUTH: { severity: 'error', area: 'recipe', message: '{service} refused Berth\'s login as {role}: {reason}', hint: '{advice}' },
  BERTH_E_RECIPE_PERMISSION: { severity: 'error', area: 'recipe', message: '{service} runs as user {user}, which cannot reach {path}', hint: 'PostgreSQL refuses to run as root, so Berth runs it as {user}; let {user} through every folder above the data folder (`chmod o+x` on them), or keep the project outside a private home folder' },
  BERTH_E_RECIPE_START: { severity: 'error', area: 'recipe', message: '{service} could not be prepared: {reason}', hint: '{advice}' },
  BERTH_E_EDGE_LISTEN: { severity: 'error', area: 'edge', message: 'the edge cannot listen on {address}:{port}: {reason}', hint: 'stop what listens there (`ss -ltnp`), or set `edge.listen.http`; ports below 1024 need root or CAP_NET_BIND_SERVICE. Berth retries on its own and keeps the services running meanwhile' },
  BERTH_E_EDGE_OFF: { severity: 'error', area: 'edge', message: 'nothing in this stack is routed, so there is no edge', hint: 'give a service `routes:` to have the edge front it' },
  BERTH_E_EDGE_NOT_ROUTED: { severity: 'error', area: 'edge', message: '{services} has no routes', hint: 'maintenance answers for routed services only; name a service with `routes:`, or none for all of them' },
  BERTH_E_SWAP_FAILED: { severity: 'error', area: 'edge', message: '{service} kept its running instances: {reason}', hint: 'see `berth logs {service} -n 50` for why the new instance did not get ready; nothing changed for its users' },
  BERTH_E_CERT_UNKNOWN: { severity: 'error', area: 'edge', message: 'Berth does not obtain a certificate for {host}', hint: 'hosts whose certificates come from the ACME CA: {known}; a certificate from `edge.tls.certs` files is renewed by replacing the files' },
  BERTH_E_CERT_FAILED: { severity: 'error', area: 'edge', message: 'the CA did not issue a certificate for {host}: {reason}', hint: 'the edge keeps serving the current certificate, if any; Berth retries with backoff (next at {retry}); for HTTP-01 the host must reach this server on port 80, for a wildcard set `edge.tls.acme.dns_hook`' },
  BERTH_E_BACKUP_NONE: { severity: 'error', area: 'backup', message: '{services} cannot be backed up', hint: 'backups are for `recipe: postgres`, `recipe: redis` and services with `backup.paths`; here: {known}' },
  BERTH_E_BACKUP_FAILED: { severity: 'error', area: 'backup', message: 'the backup of {service} failed: {reason}', hint: 'nothing was recorded as good; the previous verified backup is kept. See `berth backups {service}` and `berth logs {service}`' },
  BERTH_E_BACKUP_NOT_FOUND: { severity: 'error', area: 'backup', message: '{reason}', hint: 'list them with `berth backups {service}`; only verified backups can be restored' },
  BERTH_E_RESTORE_SAFETY: { severity: 'error', area: 'backup', message: '{reason}', hint: 'fix what stops the backup, or restore anyway with `--no-safety-backup` if the current data is not worth keeping' },
  BERTH_E_RESTORE_FAILED: { severity: 'error', area: 'backup', message: 'restoring {service} failed: {reason}', hint: 'the data was left as it was (replaced files are moved aside, never deleted) and the services were started again; see `berth logs {service}`' },
  BERTH_E_DEPLOY_LOCKED: { severity: 'error', area: 'deploy', message: 'another deploy holds the deploy lock: {holder} (pid {pid} on {host}) since {time}', hint: 'wait for it to finish; if that process is gone on another host, remove {file} by hand (a lock whose holder died on this host is taken over on its own)' },
  BERTH_W_DEPLOY_LOCK_TAKEN_OVER: { severity: 'warning', area: 'deploy', message: 'took over the deploy lock of {holder} (pid {pid} on {host}, since {time}): that process is gone', hint: 'the earlier deploy was interrupted; check `berth status` and `berth releases` once this one is done' },
  BERTH_E_DEPLOY_REF: { severity: 'error', area: 'deploy', message: 'cannot deploy git ref {ref}: {reason}', hint: 'name a commit, branch or tag of this repository (`git log --oneline`), or leave `--ref` out to deploy the working tree' },
  BERTH_E_DEPLOY_SNAPSHOT: { severity: 'error', area: 'deploy', message: 'cannot snapshot the app into {dir}: {reason}', hint: 'check the disk has room and this user may write to .berth/; nothing was deployed' },
  BERTH_E_DEPLOY_STATE: { severity: 'error', area: 'deploy', message: 'cannot read the deploy state {file}: {reason}', hint: 'the file records what the last deploy shipped; move it aside to plan as if nothing were deployed (every service then counts as new)' },
  BERTH_E_DEPLOY_BUSY: { severity: 'error', area: 'deploy', message: 'a deploy is already running in this stack\'s daemon', hint: 'wait for it to end (`berth releases` shows it), then deploy again' },
  BERTH_E_DEPLOY_NO_DAEMON: { severity: 'error', area: 'deploy', message: 'no Berth daemon runs stack {file}: {reason}', hint: 'start the stack first with `berth up -d`; a deploy replaces the services of a running stack' },
  BERTH_E_DEPLOY_FAILED: { severity: 'error', area: 'deploy', message: '{what} {outcome}: {reason}', hint: 'the previous version keeps serving; fix the cause shown above (the last log lines of the failing step) and deploy again' },
  BERTH_E_ROLLBACK_TARGET: { severity: 'error', area: 'deploy', message: 'cannot roll back: {reason}', hint: 'name a kept release (`berth releases` lists them), or deploy a git ref with `berth deploy --ref REF`' },
  BERTH_E_JOB_NAME_TAKEN: { severity: 'error', area: 'lint', message: 'job `{job}` has the name of a service', hint: 'give the job its own name: a job\'s events, alerts and `berth logs NAME` are told from a service\'s by name' },
  BERTH_E_JOB_UNKNOWN: { severity: 'error', area: 'job', message: 'the stack has no job {job}', hint: 'jobs of the running stack: {known}; a job added to berth.yml runs once it is deployed (`berth deploy`) or the stack is started again' },
  BERTH_E_JOB_NOT_STARTED: { severity: 'error', area: 'job', message: 'job {job} was not started: {reason}', hint: 'a run by hand follows the job\'s own rules (`depends_on`, `overlap`); see `berth status` for its runs and `berth logs {job}`' },
  BERTH_E_JOB_FAILED: { severity: 'error', area: 'job', message: 'run {run} of job {job} {reason}', hint: 'its output is in `berth logs {job}`' },
  BERTH_E_ALERT_NONE: { severity: 'error', area: 'alert', message: 'no alert channels are configured in {file}', hint: 'add `alerts:` with at least one channel (webhook, slack, telegram, email or exec); see docs/guides/alerts.md' },
  BERTH_E_ALERT_TEST_FAILED: { severity: 'error', area: 'alert', message: '{failed} of {total} alert channel(s) did not take the test message', hint: 'the failing channels and their errors are listed above; check URLs, tokens and that this server can reach them, then run `berth alerts test` again' },
  BERTH_E_SERVICE_UNKNOWN: { severity: 'error', area: 'api', message: 'service {service} does not exist', hint: 'the services of this stack: {known}' },
  BERTH_E_API_NOT_FOUND: { severity: 'error', area: 'api', message: 'no API route {method} {path}', hint: 'the CLI and the daemon are from different Berth versions? run `berth down` and `berth up -d` with the same one' },
  BERTH_E_API_BAD_QUERY: { severity: 'error', area: 'api', message: 'bad query: {reason}', hint: 'see `berth events --help` for the filters' },
  BERTH_E_STATE_DB: { severity: 'error', area: 'api', message: 'the daemon could not open the state database', hint: 'see .berth/daemon.log for the reason; the stack keeps running, only history is missing' },
  BERTH_E_INTERNAL: { severity: 'error', area: 'internal', message: 'unexpected internal error: {reason}', hint: 'this is a bug in Berth; please report it with the command and the stack file' },
} as const satisfies Record<string, CatalogEntry>;

export type ErrorCode = keyof typeof errorCatalog;

/** True when `code` is one of the catalog's (a code read back from the daemon's answer). */
export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(errorCatalog, code);
}

/** Returns the catalog entry for a code. */
export function getCatalogEntry(code: ErrorCode): CatalogEntry {
  return errorCatalog[code];
}
