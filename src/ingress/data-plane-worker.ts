// The entry point of a data plane process, forked by the node agent's Ingress controller as a cluster
// worker so that several processes (one per core, like nginx's worker_processes auto) serve the same
// ports. It is told its settings and routing over IPC and exits when told to stop or when the agent is
// gone (the cluster module exits a worker whose IPC channel closes).
import cluster from 'node:cluster';
import { DataPlane } from './data-plane.js';
import type { FromDataPlane, ToDataPlane } from './data-plane-messages.js';

function send(m: FromDataPlane): void {
  process.send?.(m);
}

if (cluster.isWorker) {
  const log = (m: string) => process.stderr.write(`nanokube ingress: ${m}\n`);
  let plane: DataPlane | undefined;
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await plane?.stop();
    process.exit(0);
  };
  process.on('message', (m: ToDataPlane) => {
    if (m.type === 'start' && !plane) {
      plane = new DataPlane(m.settings, m.routing, log);
      void plane.listen().then((r) => send({ type: 'listening', ...r }));
    } else if (m.type === 'routing') plane?.update(m.routing);
    else if (m.type === 'stop') void stop();
  });
  // Ctrl-C reaches the whole process group: the agent stops its workers itself, letting requests finish.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => void stop());
  send({ type: 'ready' });
}
