// P5 benchmark: a child writing flat out keeps ≥ 0.9× its rate writing straight to a file when its
// output goes through Berth instead (spawnProcess's pipe → log sink → file).
// Run: npx tsx bench/log-throughput.bench.ts [seconds-per-run] [runs]
// The sink runs in this process, so the benchmark runs itself again under the daemon's V8 flags (DAEMON_NODE_FLAGS):
// what is measured is the sink as the daemon runs it.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { DAEMON_NODE_FLAGS } from '../src/exec/spawn-daemon.js';
import { spawnProcess } from '../src/exec/spawn-process.js';
import { createLogSink } from '../src/logs/create-log-sink.js';

// The child: writes `lineBytes`-byte lines, `perWrite` of them per synchronous write() to fd 1,
// as fast as it can for `seconds`, then reports its own byte count and time on stderr.
const CHILD = `
const { writeSync } = require('node:fs');
const [lineBytes, perWrite, seconds] = process.argv.slice(1).map(Number);
const line = 'x'.repeat(lineBytes - 1) + '\\n';
const block = Buffer.from(line.repeat(perWrite));
let bytes = 0, writes = 0;
const start = performance.now(), end = start + seconds * 1000;
for (;;) {
  let offset = 0;
  while (offset < block.length) {
    try { offset += writeSync(1, block, offset); } catch (error) { if (error.code !== 'EAGAIN') throw error; }
  }
  bytes += block.length;
  if ((++writes & 31) === 0 && performance.now() >= end) break;
}
process.stderr.write(JSON.stringify({ bytes, ms: performance.now() - start }) + '\\n');
`;

// file: stdout is a file (the baseline). berth: spawnProcess, as the supervisor runs a service (a
// real pipe since decision 0009, read in place into one shared buffer since 2026-11-23), read by the
// sink. berth-drain: the same pipe, output read and thrown away (what the transport alone costs).
// fresh-reads: the same pipe read as a plain stream, a new buffer per read, by the sink: what Berth
// did before reading in place.
type Mode = 'file' | 'berth' | 'berth-drain' | 'fresh-reads';
const MODES: readonly Mode[] = ['file', 'berth', 'berth-drain', 'fresh-reads'];
interface Workload {
  readonly name: string;
  readonly lineBytes: number;
  readonly perWrite: number;
}
interface RunResult {
  readonly rate: number;
  readonly dropped: number;
  readonly lagMs: number;
}

if (process.env.BERTH_BENCH_DAEMON_FLAGS === undefined) {
  const again = spawnSync(process.execPath, [...DAEMON_NODE_FLAGS, '--import', 'tsx', ...process.argv.slice(1)], { stdio: 'inherit', env: { ...process.env, BERTH_BENCH_DAEMON_FLAGS: DAEMON_NODE_FLAGS.join(' ') } });
  process.exit(again.status ?? 1);
}

const seconds = Number(process.argv[2] ?? 2);
const runs = Number(process.argv[3] ?? 3);
const workloads: Workload[] = [
  { name: '120 B lines, 1 line per write (console.log)', lineBytes: 120, perWrite: 1 },
  { name: '120 B lines, 8 KiB per write (stdio buffer)', lineBytes: 120, perWrite: 68 },
];

interface Started {
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  readonly exit: Promise<unknown>;
}

function start(dir: string, args: string[], mode: Mode, direct: string): Started {
  if (mode !== 'file') return spawnProcess({ command: { argv: [process.execPath, ...args] }, cwd: dir, env: {}, chunksInPlace: mode !== 'fresh-reads' });
  const stdout = openSync(direct, 'a');
  const child = spawn(process.execPath, args, { stdio: ['ignore', stdout, 'pipe'] });
  closeSync(stdout);
  return { stdout: child.stdout, stderr: child.stderr, exit: new Promise((resolve) => child.once('exit', resolve)) };
}

async function runOnce(dir: string, workload: Workload, mode: Mode, index: number): Promise<RunResult> {
  const args = ['-e', CHILD, String(workload.lineBytes), String(workload.perWrite), String(seconds)];
  const direct = join(dir, `direct-${index}.log`);
  const child = start(dir, args, mode, direct);
  const sink = mode === 'berth' || mode === 'fresh-reads' ? createLogSink({ dir, service: `web-${index}`, maxSize: 0 }) : undefined;
  if (sink !== undefined && child.stdout !== null) sink.attach(1, 'out', child.stdout);
  else child.stdout?.resume();
  let report = '';
  child.stderr?.on('data', (chunk: Buffer) => (report += chunk.toString()));
  const ended = (stream: Readable | null): Promise<void> => new Promise((resolve) => {
    if (stream === null) resolve();
    else stream.once('close', resolve);
  });
  const closed = Promise.all([ended(child.stdout), ended(child.stderr)]);
  await child.exit;
  const exitedAt = performance.now();
  await closed;
  await sink?.close();
  const lagMs = performance.now() - exitedAt;
  const { bytes, ms } = JSON.parse(report) as { bytes: number; ms: number };
  if (mode === 'file' && statSync(direct).size !== bytes) throw new Error(`the file has ${statSync(direct).size} bytes, the child wrote ${bytes}`);
  for (const path of [direct, join(dir, `web-${index}.log`)]) rmSync(path, { force: true });
  return { rate: (bytes / ms) * 1000, dropped: sink?.dropped() ?? 0, lagMs };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

const mb = (rate: number): string => `${(rate / 1e6).toFixed(1)} MB/s`;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-bench-logs-'));
  const load = loadavg().map((value) => value.toFixed(1)).join(' ');
  console.log(`log throughput: ${cpus().length} cores, Node ${process.version}, ${seconds} s per run, ${runs} runs each (median), load average before: ${load}; the sink under the daemon's V8 flags: ${process.env.BERTH_BENCH_DAEMON_FLAGS ?? 'none'}`);
  console.log('');
  const verdicts: string[] = [];
  const rows: string[][] = [['workload', 'to a file', 'through Berth (sink)', 'ratio (P5)', 'Berth\'s pipe, discarded', 'sink / discarded', 'fresh buffer per read (before)', 'dropped', 'sink idle after exit']];
  let index = 0;
  try {
    for (const workload of workloads) {
      const results: Record<Mode, RunResult[]> = { file: [], berth: [], 'berth-drain': [], 'fresh-reads': [] };
      // Interleaved, so a burst of load on the machine hits every mode alike.
      for (let run = 0; run < runs; run++) {
        for (const mode of MODES) results[mode].push(await runOnce(dir, workload, mode, index++));
      }
      const rate = (mode: Mode): number => median(results[mode].map((r) => r.rate));
      const dropped = results.berth.reduce((sum, r) => sum + r.dropped, 0);
      const lag = median(results.berth.map((r) => r.lagMs));
      const ratio = rate('berth') / rate('file');
      const ratios = results.berth.map((r, run) => (r.rate / (results.file[run]?.rate ?? Number.NaN)).toFixed(2)).join(', ');
      verdicts.push(`${workload.name}: ${ratio.toFixed(2)} (run by run: ${ratios}) ${ratio >= 0.9 ? 'met' : 'missed'}${dropped > 0 ? `, with ${dropped} lines dropped from the file` : ''}`);
      rows.push([
        workload.name,
        mb(rate('file')),
        mb(rate('berth')),
        ratio.toFixed(2),
        mb(rate('berth-drain')),
        (rate('berth') / rate('berth-drain')).toFixed(2),
        `${mb(rate('fresh-reads'))} (${(rate('fresh-reads') / rate('file')).toFixed(2)})`,
        String(dropped),
        `${Math.round(lag)} ms`,
      ]);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  printTable(rows);
  console.log('');
  console.log('Target P5 (through the sink ≥ 0.9× straight to a file):');
  for (const verdict of verdicts) console.log(`  ${verdict}`);
  console.log(`load average after: ${loadavg().map((value) => value.toFixed(1)).join(' ')}`);
}

function printTable(rows: string[][]): void {
  const widths = (rows[0] ?? []).map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  const format = (row: string[]): string => `| ${row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(' | ')} |`;
  console.log(format(rows[0] ?? []));
  console.log(`|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`);
  for (const row of rows.slice(1)) console.log(format(row));
}

await main();
