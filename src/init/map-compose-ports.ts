// Compose `ports` / `expose`: the container port becomes Berth's `port` (a native process listens on it
// directly); the host mapping is kept in a comment.
import { splitOutsideVariables } from './split-outside-variables.js';

export interface MappedPort {
  readonly port?: number;
  /** The host port compose published it on, when it is a plain number. */
  readonly hostPort?: number;
  readonly comment?: string;
  readonly notes: readonly string[];
}

interface ContainerPort {
  readonly port: number;
  readonly published: string;
}

/** The first TCP container port of `ports` (else of `expose`), with the others as notes. */
export function mapComposePorts(ports: unknown, expose: unknown): MappedPort {
  const notes: string[] = [];
  const found: ContainerPort[] = [];
  for (const entry of Array.isArray(ports) ? ports : ports === undefined ? [] : [ports]) {
    const parsed = readPortEntry(entry);
    if (typeof parsed === 'string') notes.push(`ports: ${parsed}`);
    else found.push(parsed);
  }
  const exposed = Array.isArray(expose) ? expose : [];
  if (found.length === 0) {
    for (const entry of exposed) {
      const port = Number(String(entry).replace(/\/tcp$/, ''));
      if (Number.isInteger(port) && port >= 1 && port <= 65535) found.push({ port, published: '' });
      else notes.push(`expose: ${String(entry)} (not a single TCP port)`);
    }
  } else if (exposed.length > 0) {
    notes.push(`expose: ${exposed.map(String).join(', ')} (container-only; the port above is used)`);
  }
  const [first, ...rest] = found;
  for (const other of rest) notes.push(`ports: ${other.published === '' ? String(other.port) : other.published} (a service has one port in Berth; give a second listener its own service or setting)`);
  if (first === undefined) return { notes };
  const comment = first.published === '' ? 'compose exposed it only to other containers' : `compose ports: "${first.published}"; a native process listens on the host itself`;
  const host = Number(splitOutsideVariables(first.published, ':').slice(-2, -1)[0]);
  return { port: first.port, ...(Number.isInteger(host) && host > 0 && host <= 65535 ? { hostPort: host } : {}), comment, notes };
}

// Short syntax `[ip:][host:]container[/proto]`, a bare number, or long syntax `{ target, published, host_ip, protocol }`.
function readPortEntry(entry: unknown): ContainerPort | string {
  if (typeof entry === 'number') return checkPort(String(entry), String(entry));
  if (entry !== null && typeof entry === 'object' && !Array.isArray(entry)) {
    const long = entry as Record<string, unknown>;
    if (long.protocol !== undefined && long.protocol !== 'tcp') return `${JSON.stringify(entry)} (Berth ports are TCP)`;
    const published = [long.host_ip, long.published, long.target].filter((p) => p !== undefined).map(String).join(':');
    return checkPort(String(long.target), published);
  }
  if (typeof entry !== 'string') return `${JSON.stringify(entry)} (not a port)`;
  const [spec = '', protocol = 'tcp'] = entry.split('/');
  if (protocol !== 'tcp') return `"${entry}" (Berth ports are TCP)`;
  const container = splitOutsideVariables(spec, ':').pop() ?? '';
  return checkPort(container, entry);
}

function checkPort(container: string, published: string): ContainerPort | string {
  const port = Number(container);
  if (!/^\d+$/.test(container) || port < 1 || port > 65535) return `"${published}" (container port ${container} is not a single port)`;
  return { port, published };
}
