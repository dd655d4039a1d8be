// Compose restart policy, replicas and stop settings become Berth `restart`, `replicas` and `stop`.
import { convertComposeDuration } from './convert-compose-duration.js';
import { summarizeValue } from './describe-unmapped.js';
import { setField, type DraftService, type DraftValue } from './init-draft.js';

const RESTART: Readonly<Record<string, 'always' | 'on-failure' | 'never'>> = { always: 'always', 'unless-stopped': 'always', 'on-failure': 'on-failure', no: 'never', none: 'never', any: 'always' };
const SIGNALS = new Set(['SIGTERM', 'SIGINT', 'SIGQUIT', 'SIGHUP', 'SIGUSR1', 'SIGUSR2', 'SIGKILL']);

/** Keys of a compose service this module maps. */
export const LIFECYCLE_KEYS = ['restart', 'deploy', 'scale', 'stop_grace_period', 'stop_signal'] as const;

/** Maps restart, deploy (replicas, restart_policy), scale, stop_grace_period and stop_signal onto `service`. */
export function applyComposeLifecycle(service: DraftService, raw: Readonly<Record<string, unknown>>): void {
  const deploy = raw.deploy !== null && typeof raw.deploy === 'object' ? (raw.deploy as Record<string, unknown>) : {};
  const policy = deploy.restart_policy !== null && typeof deploy.restart_policy === 'object' ? (deploy.restart_policy as Record<string, unknown>) : {};
  applyRestart(service, raw.restart ?? policy.condition);
  const replicas = deploy.replicas ?? raw.scale;
  if (replicas !== undefined) {
    const count = Number(replicas);
    if (Number.isInteger(count) && count >= 1 && count <= 64) {
      if (count > 1) setField(service, 'replicas', count, 'each instance gets $BERTH_INSTANCE; share a port only through http: {} and the edge');
    } else {
      service.notes.push(`not mapped: replicas ${summarizeValue(replicas)} (Berth runs 1 to 64)`);
    }
  }
  for (const [key, value] of Object.entries(deploy)) {
    if (key === 'replicas' || key === 'restart_policy') continue;
    service.notes.push(`not mapped: deploy.${key} (${key === 'resources' ? 'Berth does not limit resources' : 'a Swarm setting with no Berth equivalent'}): ${JSON.stringify(value)}`);
  }
  for (const key of Object.keys(policy)) if (key !== 'condition') service.notes.push(`not mapped: deploy.restart_policy.${key} (Berth backs off exponentially and never gives up)`);
  const stop: Record<string, DraftValue> = {};
  if (raw.stop_signal !== undefined) {
    const signal = summarizeValue(raw.stop_signal).toUpperCase().replace(/^(?!SIG)/, 'SIG');
    if (SIGNALS.has(signal)) stop.signal = signal;
    else service.notes.push(`not mapped: stop_signal ${summarizeValue(raw.stop_signal)} (Berth sends ${[...SIGNALS].join(', ')})`);
  }
  if (raw.stop_grace_period !== undefined) {
    const timeout = convertComposeDuration(raw.stop_grace_period);
    if (timeout !== undefined) stop.timeout = timeout;
    else service.notes.push(`not mapped: stop_grace_period ${summarizeValue(raw.stop_grace_period)} (not a duration)`);
  }
  if (Object.keys(stop).length > 0) setField(service, 'stop', stop, 'compose stop_signal / stop_grace_period');
}

function applyRestart(service: DraftService, value: unknown): void {
  if (value === undefined) return;
  const text = value === false ? 'no' : summarizeValue(value);
  const [policy = '', retries] = text.split(':');
  const restart = RESTART[policy];
  if (restart === undefined) {
    service.notes.push(`not mapped: restart ${text} (Berth has always, on-failure, never)`);
    return;
  }
  // `always` is Berth's default, so it is left out unless compose said something else.
  if (restart !== 'always') setField(service, 'restart', restart, retries === undefined ? `compose restart: ${text}` : `compose restart: ${text}; Berth backs off and never gives up`);
}
