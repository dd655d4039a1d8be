// Comment text for compose keys Berth has no place for: the key, a short (redacted) value, and why.
import { redactSecrets } from './secret-values.js';

const REASONS: Readonly<Record<string, string>> = {
  volumes: 'Berth runs processes in this folder, so the source needs no mount; recipes keep data in `data:`',
  networks: 'services reach each other on 127.0.0.1; no networks needed',
  container_name: 'Berth names processes after the service',
  hostname: 'services reach each other on 127.0.0.1',
  labels: 'no containers to label',
  logging: 'Berth keeps logs under .berth/logs (see `logs: { max_size, keep }`)',
  working_dir: 'a path inside the container; `cwd:` is relative to berth.yml',
  user: 'Berth runs services as the user that runs it',
  image: 'Berth runs the command natively in this folder',
  build: 'Berth does not build images; put setup steps in `build: { command }`',
  extra_hosts: 'no container /etc/hosts; services are on 127.0.0.1',
  healthcheck: 'the recipe checks readiness over its own protocol',
  env_file: 'the recipe does not read image environment files',
  secrets: 'put secrets in .env and reference them as ${NAME}',
  configs: 'read config files from this folder instead',
  profiles: 'every service in berth.yml runs',
  platform: 'Berth runs native processes',
  pull_policy: 'no images to pull',
  init: 'Berth supervises the process group itself',
  tty: 'Berth captures output to its logs',
  stdin_open: 'services get no stdin',
  privileged: 'no containers',
  cap_add: 'no containers',
  cap_drop: 'no containers',
  security_opt: 'no containers',
  ulimits: 'set limits for the user that runs Berth',
  mem_limit: 'Berth does not limit resources',
  cpus: 'Berth does not limit resources',
  network_mode: 'services are on the host network',
  links: 'services reach each other on 127.0.0.1',
  tmpfs: 'no container file system',
  devices: 'no containers',
  sysctls: 'no containers',
  shm_size: 'no containers',
};

/** A comment line for a compose key that was not mapped. */
export function describeUnmapped(key: string, value: unknown): string {
  const reason = REASONS[key] ?? (key.startsWith('x-') ? 'a compose extension field' : 'no Berth equivalent');
  return `not mapped: ${key}: ${summarizeValue(value, key)} (${reason})`;
}

/** A one-line, redacted, shortened rendering of a value for a comment. */
export function summarizeValue(value: unknown, key = ''): string {
  const redacted = redactSecrets(value, key);
  const text = (typeof redacted === 'string' ? redacted : (JSON.stringify(redacted) as string | undefined) ?? 'undefined').replace(/\s+/g, ' ');
  return text.length > 100 ? `${text.slice(0, 97)}...` : text;
}
