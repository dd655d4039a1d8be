// Preloaded (`node --import`) into the edge process as shipped for the P6 benchmark's profile: startEdgeProcess passes
// --import on to the edge's primary and node:cluster to its workers. In every process with an IPC channel (the
// primary and the workers, not the runner that only waits), SIGUSR2 starts the V8 CPU profiler (sent to the edge's
// process group after the warm-up) and the profile is written to BERTH_BENCH_CPU_PROF_DIR/<role>-<pid>.cpuprofile when
// the process exits (the inspector session answers synchronously, so this works in an 'exit' listener).
import cluster from 'node:cluster';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

const dir = process.env.BERTH_BENCH_CPU_PROF_DIR;
if (dir !== undefined && process.send !== undefined) {
  const role = cluster.isPrimary ? 'primary' : 'worker';
  let session: Session | null = null;
  process.on('SIGUSR2', () => {
    if (session !== null) return;
    const started = new Session();
    started.connect();
    started.post('Profiler.enable');
    started.post('Profiler.start');
    session = started;
  });
  process.on('exit', () => {
    session?.post('Profiler.stop', (error, result) => {
      if (error === null) writeFileSync(join(dir, `${role}-${String(process.pid)}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
