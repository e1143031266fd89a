// The kubelet's streaming endpoints, which the API server's pods/exec, pods/attach and pods/portforward
// proxy to (src/apiserver/node-proxy.ts) with the client's query and upgrade headers unchanged:
//   /exec/{namespace}/{pod}/{container}?command=…&stdin=…&stdout=…&stderr=…&tty=…
//   /attach/{namespace}/{pod}/{container}?stdin=…&stdout=…&stderr=…&tty=…
//   /portForward/{namespace}/{pod}[/{uid}]
// The protocols (SPDY, WebSocket) are src/apiserver/streaming's; this maps them onto the pods this node
// runs. Refusals are worded as kubelet's: plain text that kubectl shows as "unable to upgrade connection: …".

import fs from 'node:fs';
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import net from 'node:net';
import type { Duplex, Writable } from 'node:stream';
import { handleExecUpgrade, type ExecIO, type ExecResult } from '../apiserver/streaming/exec-session.js';
import { handlePortForwardUpgrade } from '../apiserver/streaming/portforward-session.js';
import type { NodeAgent } from './agent.js';
import type { PodWorker } from './pod-worker.js';
import { runExecProcess } from './exec-process.js';

/** An HTTP error reply with a plain-text body (kubelet's own refusals are not Status objects). */
function refuse(socket: Duplex, code: number, message: string): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = `${message}`;
  socket.end(
    `HTTP/1.1 ${code} ${STATUS_CODES[code] ?? 'Error'}\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    () => socket.destroy(),
  );
}

/** kubelet's remotecommand options: "1" or "true" turn a stream on; a TTY has no separate stderr. */
function streamOptions(query: URLSearchParams): { tty: boolean; stdin: boolean; stdout: boolean; stderr: boolean } | undefined {
  const on = (name: string) => ['1', 'true'].includes((query.get(name) ?? '').toLowerCase());
  const tty = on('tty');
  const opts = { tty, stdin: on('stdin'), stdout: on('stdout'), stderr: on('stderr') && !tty };
  return opts.stdin || opts.stdout || opts.stderr ? opts : undefined;
}

function podFullName(worker: PodWorker): string {
  const m = worker.podObject.metadata;
  return `${m.name}_${m.namespace}`;
}

/** Serves an upgraded request for the kubelet streaming paths; anything else is a 404. */
export function serveStreamingUpgrade(agent: NodeAgent, req: IncomingMessage, socket: Duplex, head: Buffer, parts: string[], query: URLSearchParams): void {
  socket.on('error', () => socket.destroy());
  const [kind, namespace, podName, container] = parts;
  const known = ((kind === 'exec' || kind === 'attach') && parts.length === 4) || (kind === 'portForward' && (parts.length === 3 || parts.length === 4));
  if (!known) return refuse(socket, 404, '404 page not found');
  const worker = agent.worker(namespace, podName);
  if (!worker) return refuse(socket, 404, 'pod does not exist');
  if (kind === 'portForward') return portForward(agent, worker, req, socket, head, parts[3]);

  const opts = streamOptions(query);
  if (!opts) return refuse(socket, 400, 'you must specify at least 1 of stdin, stdout, stderr');
  // Upstream asks the runtime for the container; one that is not running (waiting, exited) is not found.
  if (!worker.containerRunning(container)) return refuse(socket, 500, `container not found (${JSON.stringify(container)})`);
  if (kind === 'exec') {
    const command = query.getAll('command');
    if (command.length === 0) return refuse(socket, 400, 'you must specify at least one command for the container');
    handleExecUpgrade(req, socket, head, { ...opts, command }, (io) => {
      const target = agent.runtime.execCommand(worker.uid, container, { command, tty: opts.tty });
      return runExecProcess(target, opts.tty, io);
    });
    return;
  }
  handleExecUpgrade(req, socket, head, opts, (io) => attach(agent, worker, container, io));
}

// ---- attach ----

/**
 * Attach: the container's output from now on, read from its log as the shim writes it (stdout and stderr
 * kept apart), and, for a container started with stdin, the client's input into its stdin. Ends when the
 * container exits or the client goes away; like kubelet, it reports success either way.
 */
async function attach(agent: NodeAgent, worker: PodWorker, container: string, io: ExecIO): Promise<ExecResult> {
  const file = worker.logFile(container, false);
  if (!file) return { error: `container not found (${JSON.stringify(container)})` };
  const running = () => !io.signal.aborted && worker.containerRunning(container) && worker.logFile(container, false) === file;

  let sink: Writable | undefined;
  if (io.stdin) {
    sink = await agent.runtime.openStdin(worker.uid, container);
    // The client's end of input ends this session's writer; for a container without spec.stdin it goes nowhere.
    if (sink) io.stdin.pipe(sink);
    else io.stdin.resume();
  }
  try {
    await followLog(file, running, io.stdout, io.stderr);
  } finally {
    sink?.destroy();
  }
  return { exitCode: 0 };
}

/** CRI log lines ("<time> <stream> <P|F> <text>") appended to `file` from now on, until `running()` turns false. */
async function followLog(file: string, running: () => boolean, stdout: Writable | undefined, stderr: Writable | undefined): Promise<void> {
  let ino = statOf(file)?.ino ?? 0;
  let offset = statOf(file)?.size ?? 0;
  let pending = '';
  const emit = (text: string) => {
    pending += text;
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      const a = line.indexOf(' ');
      const b = line.indexOf(' ', a + 1);
      const c = line.indexOf(' ', b + 1);
      if (a < 0 || b < 0 || c < 0) continue;
      const out = line.slice(a + 1, b) === 'stderr' ? stderr : stdout;
      const body = line.slice(c + 1) + (line.slice(b + 1, c) === 'P' ? '' : '\n');
      out?.write(body);
    }
  };
  const readFrom = (path: string, from: number, to: number) => {
    if (to <= from) return;
    const fd = fs.openSync(path, 'r');
    try {
      const buf = Buffer.alloc(to - from);
      const n = fs.readSync(fd, buf, 0, buf.length, from);
      emit(buf.subarray(0, n).toString('utf8'));
    } finally {
      fs.closeSync(fd);
    }
  };
  for (let last = false; ; ) {
    const st = statOf(file);
    if (st && st.ino !== ino) {
      // Rotated: finish the file we were reading (now file.1), then start the new one from its beginning.
      const rotated = statOf(`${file}.1`);
      if (rotated && rotated.ino === ino) readFrom(`${file}.1`, offset, rotated.size);
      ino = st.ino;
      offset = 0;
    }
    if (st && st.size > offset) {
      readFrom(file, offset, st.size);
      offset = st.size;
    }
    if (last) return;
    // One more read once the container has stopped, for what it wrote just before.
    if (!running()) last = true;
    else await new Promise((r) => setTimeout(r, 50));
  }
}

function statOf(file: string): fs.Stats | undefined {
  try {
    return fs.statSync(file);
  } catch {
    return undefined;
  }
}

// ---- port-forward ----

function portForward(agent: NodeAgent, worker: PodWorker, req: IncomingMessage, socket: Duplex, head: Buffer, uid: string | undefined): void {
  const pod = worker.podObject;
  if (uid && uid !== worker.uid) return refuse(socket, 404, 'pod not found');
  const podIP: string | undefined = pod.status?.podIP;
  if (!podIP) return refuse(socket, 500, `pod not found (${JSON.stringify(podFullName(worker))})`);
  // Processes of the host runtime (and host-network pods) share the node's network: their ports are on
  // loopback, where kubelet dials inside a pod's network namespace.
  const host = agent.runtime.name === 'host' || pod.spec?.hostNetwork ? '127.0.0.1' : podIP;
  handlePortForwardUpgrade(req, socket, head, (port) => agent.runtime.dialPod?.(worker.uid, port) ?? dial(host, port), { pod: pod.metadata.name!, uid: worker.uid });
}

const dialErrors: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'no route to host',
  ENETUNREACH: 'network is unreachable',
  ECONNRESET: 'connection reset by peer',
};

/** Connects to host:port; a failure reads as Go's net.Dial error ("dial tcp 127.0.0.1:9: connect: connection refused"). */
function dial(host: string, port: number): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const connection = net.connect({ host, port });
    const onError = (e: NodeJS.ErrnoException) => {
      connection.destroy();
      const why = (e.code && dialErrors[e.code]) ?? e.message;
      reject(new Error(`dial tcp ${net.isIPv6(host) ? `[${host}]` : host}:${port}: connect: ${why}`));
    };
    connection.once('error', onError);
    connection.once('connect', () => {
      connection.off('error', onError);
      connection.setNoDelay(true);
      resolve(connection);
    });
  });
}
