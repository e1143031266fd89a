// Real kubectl binaries (1.27–1.33) against a minimal HTTP API server that serves exec and port-forward
// through src/apiserver/streaming: SPDY, WebSocket v5 and the WebSocket port-forward tunnel.

import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ApiError } from '../../src/api/status.js';
import { handleExecUpgrade, type ExecIO, type ExecResult } from '../../src/apiserver/streaming/exec-session.js';
import { handlePortForwardUpgrade } from '../../src/apiserver/streaming/portforward-session.js';
import { rejectUpgrade, requestedUpgrade } from '../../src/apiserver/streaming/upgrade.js';

function kubectlDir(): string | undefined {
  try {
    const path = execFileSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).trim();
    const dir = dirname(realpathSync(path));
    return existsSync(join(dir, 'kubectl.1.27')) ? dir : undefined;
  } catch {
    return undefined;
  }
}

const binDir = kubectlDir();
const REMOTE_PORT = 8080;
// Pods named like this refuse WebSocket exec, so kubectl 1.30+ must fall back to SPDY.
const SPDY_ONLY_POD = 'spdy-only';

interface UpgradeRecord { path: string; kind: string; userAgent: string }

function podJson(name: string) {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, resourceVersion: '1', creationTimestamp: '2024-01-01T00:00:00Z' },
    spec: { containers: [{ name: 'c', image: 'busybox' }] },
    status: { phase: 'Running' },
  };
}

const apiResources = {
  kind: 'APIResourceList', apiVersion: 'v1', groupVersion: 'v1',
  resources: [
    { name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', verbs: ['get', 'list'], shortNames: ['po'] },
    { name: 'pods/exec', singularName: '', namespaced: true, kind: 'PodExecOptions', verbs: ['create', 'get'] },
    { name: 'pods/attach', singularName: '', namespaced: true, kind: 'PodAttachOptions', verbs: ['create', 'get'] },
    { name: 'pods/portforward', singularName: '', namespaced: true, kind: 'PodPortForwardOptions', verbs: ['create', 'get'] },
  ],
};

/** Runs the exec'd command as a local child process, as the node agent would inside the container. */
async function runCommand(command: string[], io: ExecIO): Promise<ExecResult> {
  const child = spawn(command[0], command.slice(1), { stdio: 'pipe' });
  child.stdin.on('error', () => undefined);
  if (io.stdin) io.stdin.pipe(child.stdin);
  else child.stdin.end();
  if (io.stdout) child.stdout.pipe(io.stdout, { end: false });
  else child.stdout.resume();
  if (io.stderr) child.stderr.pipe(io.stderr, { end: false });
  else child.stderr.resume();
  io.signal.addEventListener('abort', () => child.kill());
  const [code] = (await once(child, 'close')) as [number | null];
  // kubectl sends the terminal's size from its own goroutine, maybe after a short command is already over;
  // a real session lasts long enough to see it, so give it that long here too (bounded).
  if (io.resize && !io.resize.size) {
    await Promise.race([once(io.resize, 'resize'), new Promise((resolve) => setTimeout(resolve, 2_000))]);
  }
  return { exitCode: code ?? 137 };
}

function startApiServer(echoPort: number, upgrades: UpgradeRecord[], resizes: Array<{ width: number; height: number }>) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const send = (body: unknown, code = 200) => {
      res.writeHead(code, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const pod = /^\/api\/v1\/namespaces\/default\/pods\/([^/]+)$/.exec(url.pathname);
    if (url.pathname === '/version') send({ major: '1', minor: '33', gitVersion: 'v1.33.0', platform: 'linux/amd64' });
    else if (url.pathname === '/api') send({ kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }] });
    else if (url.pathname === '/apis') send({ kind: 'APIGroupList', apiVersion: 'v1', groups: [] });
    else if (url.pathname === '/api/v1') send(apiResources);
    else if (pod) send(podJson(pod[1]));
    else send(new ApiError(404, 'NotFound', `${url.pathname} not found`).toStatus(), 404);
  });
  server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const match = /^\/api\/v1\/namespaces\/default\/pods\/([^/]+)\/(exec|portforward)$/.exec(url.pathname);
    const kind = requestedUpgrade(req) ?? 'none';
    upgrades.push({ path: url.pathname, kind, userAgent: req.headers['user-agent'] ?? '' });
    if (!match) {
      rejectUpgrade(socket, new ApiError(404, 'NotFound', 'not found'));
    } else if (match[2] === 'exec') {
      if (match[1] === SPDY_ONLY_POD && kind === 'websocket') {
        rejectUpgrade(socket, new ApiError(400, 'BadRequest', 'websocket not supported here'));
        return;
      }
      const flag = (name: string) => url.searchParams.get(name) === 'true';
      const command = url.searchParams.getAll('command');
      const opts = { tty: flag('tty'), stdin: flag('stdin'), stdout: flag('stdout'), stderr: flag('stderr'), command };
      handleExecUpgrade(req, socket, head, opts, (io) => {
        io.resize?.on('resize', (size) => resizes.push(size));
        return runCommand(command, io);
      });
    } else {
      handlePortForwardUpgrade(req, socket, head, async (port) => {
        if (port !== REMOTE_PORT) throw new Error(`dial tcp 127.0.0.1:${port}: connect: connection refused`);
        const connection = net.connect(echoPort, '127.0.0.1');
        await once(connection, 'connect');
        return connection;
      }, { pod: match[1], uid: `uid-${match[1]}` });
    }
  });
  return server;
}

interface KubectlResult { code: number | null; stdout: string; stderr: string }

describe('streaming with real kubectl', { skip: binDir ? false : 'kubectl.1.27…1.33 not installed' }, () => {
  let home: string;
  let apiServer: http.Server;
  let echoServer: net.Server;
  const upgrades: UpgradeRecord[] = [];
  const resizes: Array<{ width: number; height: number }> = [];
  const children = new Set<ChildProcess>();

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'nanokube-streams-'));
    echoServer = net.createServer((socket) => socket.pipe(socket));
    echoServer.listen(0, '127.0.0.1');
    await once(echoServer, 'listening');
    apiServer = startApiServer((echoServer.address() as net.AddressInfo).port, upgrades, resizes);
    apiServer.listen(0, '127.0.0.1');
    await once(apiServer, 'listening');
    const port = (apiServer.address() as net.AddressInfo).port;
    writeFileSync(join(home, 'kubeconfig'), [
      'apiVersion: v1', 'kind: Config',
      'clusters: [{name: c, cluster: {server: "http://127.0.0.1:' + port + '"}}]',
      'users: [{name: u, user: {}}]',
      'contexts: [{name: c, context: {cluster: c, user: u, namespace: default}}]',
      'current-context: c', '',
    ].join('\n'));
  });

  after(() => {
    for (const child of children) child.kill('SIGKILL');
    apiServer.closeAllConnections();
    apiServer.close();
    echoServer.close();
    rmSync(home, { recursive: true, force: true });
  });

  function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return { PATH: process.env.PATH, HOME: home, KUBECONFIG: join(home, 'kubeconfig'), ...extra };
  }

  function kubectl(version: string, args: string[], options: { input?: string; env?: Record<string, string> } = {}): Promise<KubectlResult> {
    return runProcess(join(binDir!, `kubectl.${version}`), args, options);
  }

  async function runProcess(file: string, args: string[], options: { input?: string; env?: Record<string, string> }): Promise<KubectlResult> {
    const child = spawn(file, args, { env: env(options.env), stdio: 'pipe' });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    if (options.input !== undefined) child.stdin.end(options.input);
    // A hung client is a failure, not a stuck test run.
    const deadline = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const [code] = (await once(child, 'close')) as [number | null];
    clearTimeout(deadline);
    children.delete(child);
    return { code, stdout, stderr };
  }

  function upgradesFor(userAgentVersion: string, path: string): string[] {
    return upgrades.filter((u) => u.userAgent.includes(`kubectl${userAgentVersion}`) || u.userAgent.includes(`/v${userAgentVersion}`))
      .filter((u) => u.path.endsWith(path)).map((u) => u.kind);
  }

  for (const [version, transport] of [['1.27', 'spdy'], ['1.29', 'spdy'], ['1.30', 'websocket'], ['1.33', 'websocket']] as const) {
    test(`kubectl ${version} exec prints stdout and stderr and exits with the command's code (${transport})`, async () => {
      const before = upgrades.length;
      const result = await kubectl(version, ['exec', 'p', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
      assert.equal(result.stdout, 'out\n');
      assert.match(result.stderr, /^err$/m);
      assert.match(result.stderr, /command terminated with exit code 3/);
      assert.equal(result.code, 3);
      assert.deepEqual(upgrades.slice(before).map((u) => u.kind), [transport]);
    });
  }

  for (const version of ['1.27', '1.33']) {
    test(`kubectl ${version} exec -i passes stdin through and exits 0`, async () => {
      const result = await kubectl(version, ['exec', '-i', 'p', '--', 'cat'], { input: 'hello from stdin\n' });
      assert.equal(result.stdout, 'hello from stdin\n');
      assert.equal(result.code, 0, result.stderr);
    });

    test(`kubectl ${version} exec -it runs with a terminal`, async () => {
      const before = resizes.length;
      // `script` gives kubectl a pseudo-terminal on stdin, which `-t` requires.
      const command = `${join(binDir!, `kubectl.${version}`)} exec -it p -- sh -c 'echo tty-ok; echo tty-err >&2'`;
      const result = await runProcess('script', ['-qec', command, '/dev/null'], { input: '' });
      assert.match(result.stdout, /tty-ok/);
      assert.match(result.stdout, /tty-err/, 'stderr is merged into stdout with a TTY');
      assert.equal(result.code, 0, result.stdout + result.stderr);
      assert.ok(resizes.length > before, 'kubectl sent its terminal size');
    });
  }

  test('kubectl 1.33 falls back to SPDY when the WebSocket upgrade is refused', async () => {
    const before = upgrades.length;
    const result = await kubectl('1.33', ['exec', SPDY_ONLY_POD, '--', 'sh', '-c', 'echo fallback']);
    assert.equal(result.stdout, 'fallback\n');
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(upgrades.slice(before).map((u) => u.kind), ['websocket', 'spdy']);
  });

  for (const [version, transport, extraEnv] of [
    ['1.27', 'spdy', {}],
    ['1.30', 'websocket', { KUBECTL_PORT_FORWARD_WEBSOCKETS: 'true' }],
    ['1.33', 'websocket', {}],
  ] as const) {
    test(`kubectl ${version} port-forward carries bytes both ways (${transport})`, async () => {
      const before = upgrades.length;
      const child = spawn(join(binDir!, `kubectl.${version}`), ['port-forward', '--address', '127.0.0.1', 'pod/p', `:${REMOTE_PORT}`], { env: env(extraEnv), stdio: 'pipe' });
      children.add(child);
      try {
        let output = '';
        child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
        const localPort = await new Promise<number>((resolve, reject) => {
          child.on('close', () => reject(new Error(`kubectl exited: ${output}`)));
          child.stdout.on('data', (chunk: Buffer) => {
            output += chunk.toString();
            const forwarding = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(output);
            if (forwarding) resolve(Number(forwarding[1]));
          });
        });
        // Two connections in turn, one of them larger than a SPDY window.
        assert.equal(await echoThrough(localPort, Buffer.from('ping over port-forward')), 'ping over port-forward');
        const big = Buffer.alloc(300 * 1024, 'abcdefghij');
        assert.equal(await echoThrough(localPort, big), big.toString());
        assert.ok(upgrades.slice(before).every((u) => u.kind === transport), JSON.stringify(upgrades.slice(before)));
        assert.ok(upgrades.length > before);
      } finally {
        child.kill();
        children.delete(child);
      }
    });
  }

  test('a port that cannot be dialled is reported by kubectl as kubelet words it', async () => {
    const child = spawn(join(binDir!, 'kubectl.1.33'), ['port-forward', '--address', '127.0.0.1', 'pod/p', ':9'], { env: env(), stdio: 'pipe' });
    children.add(child);
    try {
      let output = '';
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const localPort = await new Promise<number>((resolve, reject) => {
        child.on('close', () => reject(new Error(`kubectl exited: ${output}`)));
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          const forwarding = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(output);
          if (forwarding) resolve(Number(forwarding[1]));
        });
      });
      const socket = net.connect(localPort, '127.0.0.1');
      socket.on('error', () => undefined);
      socket.resume();
      await once(socket, 'close');
      await waitFor(() => output.includes('error forwarding port 9 to pod p, uid uid-p: dial tcp 127.0.0.1:9'));
    } finally {
      child.kill();
      children.delete(child);
    }
  });
});

/** Connects through the forwarded port with bounded retries, sends the payload, half-closes, returns the echo. */
async function echoThrough(port: number, payload: Buffer): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      const socket = net.connect(port, '127.0.0.1');
      await once(socket, 'connect');
      const received: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => received.push(chunk));
      socket.end(payload);
      await once(socket, 'close');
      return Buffer.concat(received).toString();
    } catch (err) {
      if (attempt >= 5) throw err;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
