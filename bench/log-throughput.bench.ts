// P5 benchmark: a child writing flat out keeps ≥ 0.9× its rate writing straight to a file when its
// output goes through the log sink instead (pipe → sink → file).
// Run: npx tsx bench/log-throughput.bench.ts [seconds-per-run] [runs]
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, rmSync, statSync } from 'node:fs';
import { Socket } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
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

// file: stdout is a file. sink: stdout is the pipe Node's spawn makes (libuv: a socketpair), read
// by the sink. drain: the same pipe, read and thrown away. fifo-*: stdout is a real pipe (a FIFO,
// read through libuv like any pipe), to show what the transport costs.
type Mode = 'file' | 'sink' | 'drain' | 'fifo-sink' | 'fifo-drain';
const MODES: readonly Mode[] = ['file', 'sink', 'drain', 'fifo-sink', 'fifo-drain'];
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

const seconds = Number(process.argv[2] ?? 2);
const runs = Number(process.argv[3] ?? 3);
const workloads: Workload[] = [
  { name: '120 B lines, 1 line per write (console.log)', lineBytes: 120, perWrite: 1 },
  { name: '120 B lines, 8 KiB per write (stdio buffer)', lineBytes: 120, perWrite: 68 },
];

async function runOnce(dir: string, workload: Workload, mode: Mode, index: number): Promise<RunResult> {
  const args = ['-e', CHILD, String(workload.lineBytes), String(workload.perWrite), String(seconds)];
  const direct = join(dir, `direct-${index}.log`);
  const fifo = join(dir, `fifo-${index}`);
  let stdout: number | 'pipe' = 'pipe';
  let reader: Readable | undefined;
  if (mode === 'file') stdout = openSync(direct, 'a');
  if (mode.startsWith('fifo')) {
    execFileSync('mkfifo', [fifo]);
    // Read-write, so opening does not wait for a writer; libuv reads it like any pipe.
    reader = new Socket({ fd: openSync(fifo, constants.O_RDWR | constants.O_NONBLOCK), readable: true, writable: false });
    stdout = openSync(fifo, 'w');
  }
  const child = spawn(process.execPath, args, { stdio: ['ignore', stdout, 'pipe'] });
  if (typeof stdout === 'number') closeSync(stdout);
  reader ??= child.stdout ?? undefined;
  const sink = mode.endsWith('sink') ? createLogSink({ dir, service: `web-${index}`, maxSize: 0 }) : undefined;
  if (sink !== undefined && reader !== undefined) sink.attach(1, 'out', reader);
  else reader?.resume();
  let report = '';
  child.stderr?.on('data', (chunk: Buffer) => (report += chunk.toString()));
  const closed = new Promise<void>((resolve) => child.once('close', () => { resolve(); }));
  await new Promise<void>((resolve) => child.once('exit', () => { resolve(); }));
  const exitedAt = performance.now();
  if (mode.startsWith('fifo')) await drained(reader);
  await closed;
  await sink?.close();
  const lagMs = performance.now() - exitedAt;
  reader?.destroy();
  const { bytes, ms } = JSON.parse(report) as { bytes: number; ms: number };
  if (mode === 'file' && statSync(direct).size !== bytes) throw new Error(`the file has ${statSync(direct).size} bytes, the child wrote ${bytes}`);
  for (const path of [direct, fifo, join(dir, `web-${index}.log`)]) rmSync(path, { force: true });
  return { rate: (bytes / ms) * 1000, dropped: sink?.dropped() ?? 0, lagMs };
}

/** A FIFO the reader holds open for writing never ends: wait until it has been quiet for 50 ms. */
async function drained(reader: Readable | undefined): Promise<void> {
  let last = performance.now();
  reader?.on('data', () => (last = performance.now()));
  while (performance.now() - last < 50) await new Promise((resolve) => setTimeout(resolve, 10));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

const mb = (rate: number): string => `${(rate / 1e6).toFixed(1)} MB/s`;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-bench-logs-'));
  const load = loadavg().map((value) => value.toFixed(1)).join(' ');
  console.log(`log throughput: ${cpus().length} cores, Node ${process.version}, ${seconds} s per run, ${runs} runs each (median), load average before: ${load}`);
  console.log('');
  const verdicts: string[] = [];
  const rows: string[][] = [['workload', 'to a file', 'through the sink', 'ratio (P5)', 'pipe, discarded', 'sink / discarded', 'sink, real pipe', 'real pipe, discarded', 'dropped', 'sink idle after exit']];
  let index = 0;
  try {
    for (const workload of workloads) {
      const results: Record<Mode, RunResult[]> = { file: [], sink: [], drain: [], 'fifo-sink': [], 'fifo-drain': [] };
      // Interleaved, so a burst of load on the machine hits every mode alike.
      for (let run = 0; run < runs; run++) {
        for (const mode of MODES) results[mode].push(await runOnce(dir, workload, mode, index++));
      }
      const rate = (mode: Mode): number => median(results[mode].map((r) => r.rate));
      const dropped = [...results.sink, ...results['fifo-sink']].reduce((sum, r) => sum + r.dropped, 0);
      const lag = median(results.sink.map((r) => r.lagMs));
      const ratio = rate('sink') / rate('file');
      verdicts.push(`${workload.name}: ${ratio.toFixed(2)} ${ratio >= 0.9 ? 'met' : 'missed'}${dropped > 0 ? `, with ${dropped} lines dropped from the file` : ''}`);
      rows.push([
        workload.name,
        mb(rate('file')),
        mb(rate('sink')),
        ratio.toFixed(2),
        mb(rate('drain')),
        (rate('sink') / rate('drain')).toFixed(2),
        `${mb(rate('fifo-sink'))} (${(rate('fifo-sink') / rate('file')).toFixed(2)})`,
        mb(rate('fifo-drain')),
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
