// kubectl exec, attach and port-forward against pods the node runs as processes, through the API server's
// proxy to the kubelet API: SPDY (kubectl 1.27) and WebSocket (kubectl 1.33).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { TestCluster, kubectlDir, kubectlVersions, repoRoot, waitFor, type KubectlVersion } from '../support/cluster.js';

let cluster: TestCluster;
const WEB_PORT = 18380;
const children = new Set<ChildProcess>();

before(async () => {
  cluster = await TestCluster.start();
  const apply = (obj: unknown) => cluster.ok('1.33', ['apply', '-f', '-'], { input: JSON.stringify(obj) });
  const pod = (name: string, spec: any, annotations?: Record<string, string>) =>
    apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app: name }, annotations }, spec });
  await pod('shell', {
    containers: [
      { name: 'main', image: 'busybox', command: ['sh', '-c', 'sleep 3600'], workingDir: '/tmp', env: [{ name: 'WHO', value: 'main' }] },
      { name: 'side', image: 'busybox', command: ['sh', '-c', 'sleep 3600'], env: [{ name: 'WHO', value: 'side' }] },
      // Exits at once and is not restarted: a container of a running pod that is not running.
      { name: 'done', image: 'busybox', command: ['true'] },
    ],
    restartPolicy: 'OnFailure',
  }, { 'kubectl.kubernetes.io/default-container': 'main' });
  await pod('web', {
    containers: [{
      name: 'web', image: 'k8s.gcr.io/liveness', command: ['node', path.join(repoRoot, 'examples', 'apps', 'healthz-server.js')],
      env: [{ name: 'PORT', value: String(WEB_PORT) }, { name: 'HEALTHY_SECONDS', value: '100000' }],
      ports: [{ containerPort: WEB_PORT, name: 'http' }],
    }],
  });
  await apply({
    apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' },
    spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: WEB_PORT, protocol: 'TCP' }] },
  });
  await pod('ticker', { containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', 'i=0; while true; do echo tick-$i; echo tock-$i >&2; i=$((i+1)); sleep 0.2; done'] }] });
  for (const v of kubectlVersions) {
    // stdinOnce: the container sees end of file when the first attach session's input ends.
    await pod(`reader-${v.replace('.', '')}`, {
      restartPolicy: 'Never',
      containers: [{ name: 'c', image: 'busybox', stdin: true, stdinOnce: true, command: ['sh', '-c', 'while read line; do echo got:$line; done; echo reader-done'] }],
    });
  }
  await waitFor('the pods to run', async () => {
    const list = JSON.parse(await cluster.ok('1.33', ['get', 'pods', '-o', 'json']));
    const running = (name: string) => {
      const p = list.items.find((x: any) => x.metadata.name === name);
      return p?.status?.phase === 'Running' && p.status.podIP;
    };
    const shell = list.items.find((x: any) => x.metadata.name === 'shell');
    const done = shell?.status?.containerStatuses?.find((c: any) => c.name === 'done');
    return ['shell', 'web', 'ticker', 'reader-127', 'reader-133'].every(running) && done?.state?.terminated;
  }, 90_000, 250);
});

after(async () => {
  for (const c of children) c.kill('SIGKILL');
  await cluster?.destroy();
});

/** A long-running kubectl whose output is read as it comes. */
function startKubectl(v: KubectlVersion, args: string[]): { proc: ChildProcess; output: () => string; stdout: () => string } {
  const proc = spawn(path.join(kubectlDir(), `kubectl.${v}`), args, {
    env: { ...process.env, KUBECONFIG: cluster.kubeconfig, HOME: cluster.home },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.add(proc);
  proc.on('close', () => children.delete(proc));
  let out = '';
  let all = '';
  proc.stdout!.on('data', (d) => {
    out += d;
    all += d;
  });
  proc.stderr!.on('data', (d) => (all += d));
  return { proc, output: () => all, stdout: () => out };
}

async function stop(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const closed = new Promise((r) => proc.once('close', r));
  proc.kill('SIGTERM');
  await closed;
}

/** `kubectl port-forward` on a free local port; resolves with that port once kubectl says it listens. */
async function portForward(v: KubectlVersion, target: string, remote: number): Promise<{ port: number; proc: ChildProcess; output: () => string }> {
  const k = startKubectl(v, ['port-forward', '--address', '127.0.0.1', target, `:${remote}`]);
  const port = await waitFor(`kubectl ${v} port-forward ${target} to listen`, () => {
    if (k.proc.exitCode !== null) throw new Error(`kubectl exited ${k.proc.exitCode}: ${k.output()}`);
    const m = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(k.stdout());
    return m ? Number(m[1]) : undefined;
  }, 30_000, 50);
  return { port, proc: k.proc, output: k.output };
}

function httpGet(port: number, urlPath: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

/** GETs through a forwarded port, retrying a bounded number of times while the server starts. */
async function getThrough(port: number, urlPath: string): Promise<{ status: number; body: string }> {
  let last: unknown;
  for (let i = 0; i < 40; i++) {
    try {
      const r = await httpGet(port, urlPath);
      if (r.status === 200) return r;
      last = new Error(`status ${r.status}: ${r.body}`);
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw last;
}

/** kubectl under `script`, which gives it the terminal that `-t` needs. */
function kubectlWithTerminal(v: KubectlVersion, args: string[]): Promise<{ code: number; output: string }> {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const command = [path.join(kubectlDir(), `kubectl.${v}`), ...args].map(quote).join(' ');
  return new Promise((resolve) => {
    const p = spawn('script', ['-qec', command, '/dev/null'], {
      env: { ...process.env, KUBECONFIG: cluster.kubeconfig, HOME: cluster.home },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    children.add(p);
    let output = '';
    p.stdout!.on('data', (d) => (output += d));
    p.stderr!.on('data', (d) => (output += d));
    const timer = setTimeout(() => p.kill('SIGKILL'), 60_000);
    p.on('close', (code) => {
      clearTimeout(timer);
      children.delete(p);
      resolve({ code: code ?? -1, output });
    });
    p.stdin!.end();
  });
}

for (const v of kubectlVersions) {
  describe(`kubectl ${v}`, { concurrency: true }, () => {
    test('exec runs in the container: output, env, working directory, stderr', async () => {
      const r = await cluster.kubectl(v, ['exec', 'shell', '--', 'sh', '-c', 'echo "$WHO in $(pwd)"; echo to-stderr >&2']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'main in /tmp\n');
      assert.match(r.stderr, /^to-stderr$/m);
    });

    test('logs of containers that wrote nothing are empty, and exec output does not count as theirs', async () => {
      for (const c of ['main', 'side', 'done']) {
        const r = await cluster.kubectl(v, ['logs', 'shell', '-c', c]);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, '', `${c}'s log`);
      }
    });

    test('exec -c picks the container', async () => {
      const r = await cluster.kubectl(v, ['exec', 'shell', '-c', 'side', '--', 'sh', '-c', 'echo $WHO']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'side\n');
    });

    test('exec -i passes stdin through', async () => {
      const input = 'line one\nline two\n' + 'x'.repeat(200_000) + '\n';
      const r = await cluster.kubectl(v, ['exec', '-i', 'shell', '--', 'cat'], { input });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, input);
    });

    test('exec propagates the exit code', async () => {
      const r = await cluster.kubectl(v, ['exec', 'shell', '--', 'sh', '-c', 'echo before; exit 3']);
      assert.equal(r.code, 3, r.stderr);
      assert.equal(r.stdout, 'before\n');
      assert.match(r.stderr, /command terminated with exit code 3/);
    });

    test('exec -it runs the command on a terminal', async () => {
      const r = await kubectlWithTerminal(v, ['exec', '-it', 'shell', '--', 'sh', '-c', 'tty; echo "TERM=$TERM"; exit 5']);
      assert.match(r.output, /\/dev\/pts\/\d+/);
      assert.match(r.output, /TERM=xterm/);
      assert.equal(r.code, 5, r.output);
    });

    test('exec errors read as upstream: unknown command, unknown container, container not running', async () => {
      const missing = await cluster.kubectl(v, ['exec', 'shell', '--', 'no-such-command-here']);
      assert.notEqual(missing.code, 0);
      assert.match(missing.stderr, /exec: "no-such-command-here": executable file not found in \$PATH/);
      const unknown = await cluster.kubectl(v, ['exec', 'shell', '-c', 'nope', '--', 'true']);
      assert.equal(unknown.code, 1);
      assert.match(unknown.stderr, /container nope is not valid for pod shell/);
      const exited = await cluster.kubectl(v, ['exec', 'shell', '-c', 'done', '--', 'true']);
      assert.equal(exited.code, 1);
      assert.match(exited.stderr, /unable to upgrade connection: container not found \("done"\)/);
    });

    test('port-forward pod/web reaches the pod\'s port', async () => {
      const pf = await portForward(v, 'pod/web', WEB_PORT);
      try {
        for (let i = 0; i < 3; i++) assert.equal((await getThrough(pf.port, '/')).body, 'hello from web\n');
      } finally {
        await stop(pf.proc);
      }
    });

    test('port-forward svc/web goes to a pod behind the service', async () => {
      const pf = await portForward(v, 'svc/web', 80);
      try {
        assert.match(pf.output(), new RegExp(`-> ${WEB_PORT}`));
        assert.equal((await getThrough(pf.port, '/healthz')).body, 'ok');
      } finally {
        await stop(pf.proc);
      }
    });

    test('port-forward to a closed port reports the dial error', async () => {
      const pf = await portForward(v, 'pod/web', 9);
      try {
        const socket = net.connect(pf.port, '127.0.0.1');
        socket.on('error', () => undefined);
        socket.resume();
        await new Promise((r) => socket.once('close', r));
        await waitFor('the dial error', () => /error forwarding port 9 to pod web, uid [-0-9a-f]+: dial tcp 127\.0\.0\.1:9: connect: connection refused/.test(pf.output()), 10_000, 50);
      } finally {
        await stop(pf.proc);
      }
    });

    test('attach shows the running container\'s output', async () => {
      const k = startKubectl(v, ['attach', 'ticker']);
      try {
        await waitFor('two ticks and a tock', () => /tick-\d+\n(.|\n)*tick-\d+\n/.test(k.stdout()) && /tock-\d+/.test(k.output()), 20_000, 50);
        assert.doesNotMatch(k.stdout(), /tock/, 'stderr stays on stderr');
      } finally {
        await stop(k.proc);
      }
    });

    test('attach -i feeds a container\'s stdin (stdinOnce) and ends with it', async () => {
      const r = await cluster.kubectl(v, ['attach', '-i', `reader-${v.replace('.', '')}`], { input: 'hello\nworld\n', timeoutMs: 60_000 });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /got:hello\ngot:world\nreader-done\n/);
    });
  });
}
