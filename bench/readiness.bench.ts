// P1: how long after a service starts accepting does Berth see it ready? Starts a real child that listens after
// a random 50–300 ms, runs the ready loop against it, and measures (probe passed) − (child listening) on the
// shared monotonic clock. Baseline in the same run: a naive 500 ms poller (compose's depends_on polling).
// Run: npx tsx bench/readiness.bench.ts [runs]
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { cpus, release } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ResolvedProbe } from '../src/config/resolved-stack.js';
import { spawnProcess } from '../src/exec/spawn-process.js';
import { stopProcessGroup } from '../src/exec/stop-process-group.js';
import { checkProbeOnce } from '../src/health/check-probe-once.js';
import type { ProbeTarget } from '../src/health/probe-types.js';
import { startProbe } from '../src/health/run-probe.js';

const RUNS = Number(process.argv[2] ?? 40);
const TARGET_MS = 30;
const NAIVE_PERIOD_MS = 500;
const fixture = join(import.meta.dirname, '..', 'test', 'fixtures', 'late-http-server.mjs');
const timing = { interval: '10s', timeout: '2s', failures: 3, start_timeout: '60s', implicit: false } as const;
const httpProbe: ResolvedProbe = { kind: 'http', http: { path: '/', status: [], body: null, port: null }, tcp: null, exec: null, log: null, ...timing };
const tcpProbe: ResolvedProbe = { kind: 'tcp', http: null, tcp: { port: null }, exec: null, log: null, ...timing };

type Mode = 'berth http' | 'berth tcp' | `naive ${number} ms poller (http)`;
const naiveMode: Mode = `naive ${NAIVE_PERIOD_MS} ms poller (http)`;
const MODES: readonly Mode[] = ['berth http', 'berth tcp', naiveMode];

const now = (): bigint => process.hrtime.bigint();

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

function targetOn(port: number): ProbeTarget {
  return { service: 'bench', instance: 1, port, env: {}, cwd: '/tmp', subscribeLogs: () => () => undefined, notify: null };
}

interface Detection {
  /** When the probe first passed (monotonic ns). */
  readonly passedAt: bigint;
  /** How long the passing check itself took (ms): for http, mostly the child answering its first request. */
  readonly checkMs: number;
}

/** Probes from the moment the child starts; resolves when the probe first passed. */
async function detect(mode: Mode, target: ProbeTarget): Promise<Detection> {
  if (mode === naiveMode) {
    for (;;) {
      const result = await checkProbeOnce(httpProbe, target);
      if (result.ok) return { passedAt: now(), checkMs: result.durationMs };
      await sleep(NAIVE_PERIOD_MS);
    }
  }
  let passedAt = 0n;
  const runner = startProbe({
    phase: 'ready',
    probe: mode === 'berth tcp' ? tcpProbe : httpProbe,
    target,
    onResult: (result) => {
      if (result.ok && passedAt === 0n) passedAt = now();
    },
  });
  const result = await runner.firstPass;
  runner.stop();
  if (!result.ok) throw new Error(`probe failed: ${result.output}`);
  return { passedAt, checkMs: result.durationMs };
}

/** One run: start the child, probe it from the moment it starts; the detection latency and the passing check's own time, in ms. */
async function measure(mode: Mode): Promise<{ latency: number; checkMs: number }> {
  const port = await freePort();
  const handle = spawnProcess({ command: { argv: [process.execPath, fixture] }, cwd: '/tmp', env: { PORT: String(port) } });
  let text = '';
  const listening = new Promise<bigint>((resolve) => {
    handle.stdout?.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const line = text.split('\n')[0];
      if (text.includes('\n') && line !== undefined) resolve(BigInt((JSON.parse(line) as { listening: string }).listening));
    });
  });
  try {
    const [listenedAt, detection] = await Promise.all([listening, detect(mode, targetOn(port))]);
    return { latency: Number(detection.passedAt - listenedAt) / 1e6, checkMs: detection.checkMs };
  } finally {
    await stopProcessGroup(handle.pgid, 'SIGTERM', 1000);
  }
}

function quantile(sorted: readonly number[], q: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

const latencies = new Map<Mode, number[]>(MODES.map((mode) => [mode, []]));
const checkTimes = new Map<Mode, number[]>(MODES.map((mode) => [mode, []]));
for (let run = 0; run < RUNS; run++) {
  // Interleaved, so every mode sees the same machine load.
  for (const mode of MODES) {
    const { latency, checkMs } = await measure(mode);
    latencies.get(mode)?.push(latency);
    checkTimes.get(mode)?.push(checkMs);
  }
}

const ms = (value: number): string => value.toFixed(1);
const sortedOf = (values: readonly number[] | undefined): number[] => [...(values ?? [])].sort((a, b) => a - b);
const stats = new Map(
  MODES.map((mode) => {
    const sorted = sortedOf(latencies.get(mode));
    const median = quantile(sorted, 0.5);
    const checkMedian = quantile(sortedOf(checkTimes.get(mode)), 0.5);
    return [mode, { median, p95: quantile(sorted, 0.95), min: sorted[0] ?? Number.NaN, max: sorted.at(-1) ?? Number.NaN, mean: sorted.reduce((a, b) => a + b, 0) / sorted.length, checkMedian }];
  }),
);
const berthMedian = stats.get('berth http')?.median ?? Number.NaN;
const naiveMedian = stats.get(naiveMode)?.median ?? Number.NaN;
const lines = [
  `Date: ${new Date().toISOString().slice(0, 10)} · machine: ${String(cpus().length)} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'}), Linux ${release()}, Node ${process.version}`,
  `Command: \`npx tsx bench/readiness.bench.ts${process.argv[2] === undefined ? '' : ` ${process.argv[2]}`}\` · ${String(RUNS)} runs per row, interleaved; the child listens after a random 50–300 ms (plus its own Node start-up)`,
  '',
  '| detector | median | p95 | mean | min | max | median time of the passing check itself |',
  '|---|---|---|---|---|---|---|',
  ...MODES.map((mode) => {
    const s = stats.get(mode);
    return s === undefined ? '' : `| ${mode} | ${ms(s.median)} ms | ${ms(s.p95)} ms | ${ms(s.mean)} ms | ${ms(s.min)} ms | ${ms(s.max)} ms | ${ms(s.checkMedian)} ms |`;
  }),
  '| compose healthcheck, 30 s interval (analytic: half the period on average) | 15000 ms | | | | | |',
  '| process-compose, 10 s period (analytic) | 5000 ms | | | | | |',
  '',
  `Target P1: median ≤ ${String(TARGET_MS)} ms → berth http ${ms(berthMedian)} ms, berth tcp ${ms(stats.get('berth tcp')?.median ?? Number.NaN)} ms: ${berthMedian <= TARGET_MS && (stats.get('berth tcp')?.median ?? Infinity) <= TARGET_MS ? 'met' : 'NOT met'}.`,
  `Ratios (baseline median ÷ berth http median): naive ${String(NAIVE_PERIOD_MS)} ms poller ${(naiveMedian / berthMedian).toFixed(0)}× (measured), process-compose ${(5000 / berthMedian).toFixed(0)}×, compose ${(15000 / berthMedian).toFixed(0)}× (analytic).`,
];
console.log(lines.join('\n'));
