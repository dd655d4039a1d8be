// The edge process's entry: the cluster primary (started by the daemon, see start-edge-process.ts) or one of its
// workers (forked by the primary from this same file). Each side loads only its own modules: the primary needs no
// HTTP server, upstream client or route matcher.
import cluster from 'node:cluster';

if (cluster.isPrimary) {
  const { runEdgePrimary } = await import('./edge-primary.js');
  runEdgePrimary();
} else {
  const { runEdgeWorker } = await import('./edge-worker.js');
  runEdgeWorker();
}
