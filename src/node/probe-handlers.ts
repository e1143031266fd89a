// Running one probe (exec, httpGet, tcpSocket, grpc) and describing a failure in upstream's words.
import { spawn } from 'node:child_process';
import http from 'node:http';
import https from 'node:https';
import http2 from 'node:http2';
import net from 'node:net';

export interface ProbeResult {
  ok: boolean;
  /** Upstream's failure text, e.g. "HTTP probe failed with statuscode: 500". */
  message: string;
  /** An exec handler's exit code, when its command ran to the end. */
  exitCode?: number;
}

export interface ExecTarget {
  file: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string;
}

/** A port number, or a container port name resolved against the container's ports. */
export function resolvePort(port: number | string, container: any): number | undefined {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  const p = (container.ports ?? []).find((x: any) => x.name === port);
  return p?.containerPort;
}

export function runExec(target: ExecTarget, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    let output = '';
    let done = false;
    const child = spawn(target.file, target.args, { env: target.env, cwd: target.cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const finish = (r: ProbeResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(r);
    };
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // gone
      }
      finish({ ok: false, message: `command ${JSON.stringify([target.file, ...target.args].join(' '))} timed out` });
    }, timeoutMs);
    const collect = (d: Buffer) => {
      if (output.length < 10240) output += d.toString('utf8');
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    child.on('error', (e) => finish({ ok: false, message: `exec failed: ${e.message}` }));
    // The kubelet's message is the command's output alone, also when there is none.
    child.on('close', (code) => finish({ ok: code === 0, message: output, exitCode: code ?? undefined }));
  });
}

/**
 * A probe's GET (200–399 is success) or a lifecycle hook's, which only fails when no response comes:
 * the kubelet ignores a hook's status code.
 */
export function runHttpGet(
  scheme: 'HTTP' | 'HTTPS', host: string, port: number, path: string, headers: { name: string; value: string }[], timeoutMs: number,
  purpose: 'probe' | 'lifecycle' = 'probe',
): Promise<ProbeResult> {
  const url = `${scheme.toLowerCase()}://${host.includes(':') ? `[${host}]` : host}:${port}${path.startsWith('/') ? path : `/${path}`}`;
  return new Promise((resolve) => {
    const h: Record<string, string> = { 'User-Agent': `kube-${purpose}/1.33`, Accept: '*/*', Connection: 'close' };
    for (const x of headers ?? []) h[x.name] = x.value;
    const mod = scheme === 'HTTPS' ? https : http;
    const req = mod.get(url, { headers: h, timeout: timeoutMs, rejectUnauthorized: false, agent: false }, (res) => {
      res.resume();
      const code = res.statusCode ?? 0;
      if ((code >= 200 && code < 400) || purpose === 'lifecycle') resolve({ ok: true, message: '' });
      else resolve({ ok: false, message: `HTTP probe failed with statuscode: ${code}` });
    });
    req.on('timeout', () => {
      req.destroy();
      resolve({ ok: false, message: `Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)` });
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ ok: false, message: `Get "${url}": ${dialError(host, port, e)}` }));
  });
}

function dialError(host: string, port: number, e: NodeJS.ErrnoException): string {
  if (e.code === 'ECONNREFUSED') return `dial tcp ${host}:${port}: connect: connection refused`;
  if (e.code === 'EHOSTUNREACH') return `dial tcp ${host}:${port}: connect: no route to host`;
  return e.message;
}

export function runTcp(host: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    const timer = setTimeout(() => {
      sock.destroy();
      resolve({ ok: false, message: `dial tcp ${host}:${port}: i/o timeout` });
    }, timeoutMs);
    sock.once('connect', () => {
      clearTimeout(timer);
      sock.destroy();
      resolve({ ok: true, message: '' });
    });
    sock.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ ok: false, message: dialError(host, port, e) });
    });
  });
}

const servingStatus = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];

/** grpc.health.v1.Health/Check over HTTP/2 (plaintext), as the kubelet's gRPC probe. */
export function runGrpc(host: string, port: number, service: string | undefined, timeoutMs: number): Promise<ProbeResult> {
  const target = `${host}:${port}`;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (r: ProbeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      client.close();
      resolve(r);
    };
    const timer = setTimeout(() => finish({ ok: false, message: `timeout: health rpc did not complete within ${timeoutMs / 1000}s` }), timeoutMs);
    const client = http2.connect(`http://${host.includes(':') ? `[${host}]` : host}:${port}`);
    // The kubelet dials with WithBlock: a refused connection is retried until the timeout.
    const notConnected = () => finish({ ok: false, message: `timeout: failed to connect service "${target}" within ${timeoutMs / 1000}s: context deadline exceeded` });
    client.on('error', notConnected);
    // HealthCheckRequest { string service = 1; } in a length-prefixed gRPC message.
    const svc = Buffer.from(service ?? '', 'utf8');
    const msg = svc.length ? Buffer.concat([Buffer.from([0x0a, svc.length]), svc]) : Buffer.alloc(0);
    const frame = Buffer.concat([Buffer.from([0, 0, 0, 0, msg.length]), msg]);
    const req = client.request({ ':method': 'POST', ':path': '/grpc.health.v1.Health/Check', 'content-type': 'application/grpc', te: 'trailers' });
    const chunks: Buffer[] = [];
    let grpcStatus: string | undefined;
    let grpcMessage = '';
    req.on('response', (h) => {
      if (h['grpc-status'] !== undefined) grpcStatus = String(h['grpc-status']);
    });
    req.on('trailers', (t) => {
      if (t['grpc-status'] !== undefined) grpcStatus = String(t['grpc-status']);
      if (t['grpc-message'] !== undefined) grpcMessage = decodeURIComponent(String(t['grpc-message']));
    });
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('error', notConnected);
    req.on('end', () => {
      if (grpcStatus !== '0') {
        finish({ ok: false, message: grpcFailure(grpcCode(grpcStatus), grpcMessage, timeoutMs) });
        return;
      }
      const body = Buffer.concat(chunks).subarray(5);
      // HealthCheckResponse { ServingStatus status = 1; }
      const status = body.length >= 2 && body[0] === 0x08 ? body[1] : 0;
      if (status === 1) finish({ ok: true, message: '' });
      else finish({ ok: false, message: `service unhealthy (responded with "${servingStatus[status] ?? 'UNKNOWN'}")` });
    });
    req.end(frame);
  });
}

const grpcCodes = ['OK', 'Canceled', 'Unknown', 'InvalidArgument', 'DeadlineExceeded', 'NotFound', 'AlreadyExists', 'PermissionDenied',
  'ResourceExhausted', 'FailedPrecondition', 'Aborted', 'OutOfRange', 'Unimplemented', 'Internal', 'Unavailable', 'DataLoss', 'Unauthenticated'];
function grpcCode(s: string | undefined): string {
  return grpcCodes[Number(s)] ?? 'Unknown';
}

/** The kubelet's words for a Check call that answered with an error status (an unknown service is NotFound). */
function grpcFailure(code: string, message: string, timeoutMs: number): string {
  if (code === 'Unimplemented') return `error: this server does not implement the grpc health protocol (grpc.health.v1.Health): ${message}`;
  if (code === 'DeadlineExceeded') return `timeout: health rpc did not complete within ${timeoutMs / 1000}s`;
  return `error: health rpc probe failed: rpc error: code = ${code} desc = ${message}`;
}
