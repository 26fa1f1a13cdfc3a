/**
 * A control plane alone in a process, for the memory figures of bench/run.ts:
 * the benchmark's own client side (watchers, buffers) must not be counted.
 * Started with fork(); argv[2] is "memory" or a data dir for a SQLite file.
 * Sends { url, kubeconfig } once ready; answers "rss" with { rssMb } after a full GC.
 */
import { createServer, createTestServer } from '@lk/core';

const target = process.argv[2] ?? 'memory';
const server = target === 'memory' ? await createTestServer() : await createServer({ dataDir: target, listen: '127.0.0.1:0', writeKubeconfig: false, transport: 'http' });
process.on('message', (message) => {
  if (message === 'rss') {
    globalThis.gc?.();
    process.send?.({ rssMb: Math.round(process.memoryUsage().rss / 1024 / 1024) });
  } else if (message === 'close') {
    void server.close().then(() => process.exit(0));
  }
});
process.send?.({ url: server.url, kubeconfig: server.kubeconfig });
