// Kubeconfig files: the admin one written into the data directory, and reading one as kubectl does
// (for the commands that talk to a cluster as a client).
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';

export function adminKubeconfig(server: string, caPem: string, token: string, name = 'nanokube'): string {
  return YAML.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server, 'certificate-authority-data': Buffer.from(caPem).toString('base64') } }],
    users: [{ name: `${name}-admin`, user: { token } }],
    contexts: [{ name, context: { cluster: name, user: `${name}-admin`, namespace: 'default' } }],
    'current-context': name,
    preferences: {},
  });
}

/** What a client needs from the chosen context. */
export interface KubeconfigContext {
  context: string;
  server: string;
  token: string;
  caPem: string;
  /** The context's namespace, "default" when it names none. */
  namespace: string;
}

/** The files kubectl would read: --kubeconfig, else $KUBECONFIG (a path list), else nanokube's default. */
export function kubeconfigPaths(flag: string | undefined, env = process.env.KUBECONFIG): string[] {
  if (flag) return [flag];
  const fromEnv = (env ?? '').split(path.delimiter).filter(Boolean);
  return fromEnv.length ? fromEnv : [path.join('.nanokube', 'kubeconfig')];
}

interface Named {
  name: string;
  [k: string]: any;
}

/**
 * Loads the context (the current one unless named) from kubeconfig files merged as kubectl merges a
 * $KUBECONFIG list: the first file to set a value or a named entry wins; missing files of a list are
 * skipped. Relative certificate and token file paths are relative to the file that holds them.
 */
export function loadKubeconfig(paths: string[], contextName?: string): KubeconfigContext {
  const entries = { clusters: new Map<string, Named>(), users: new Map<string, Named>(), contexts: new Map<string, Named>() };
  let current: string | undefined;
  let read = 0;
  for (const file of paths) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      if (paths.length > 1 && (e as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new Error(`cannot read kubeconfig ${file}: ${(e as Error).message}`);
    }
    read++;
    let doc: any;
    try {
      doc = YAML.parse(text) ?? {};
    } catch (e) {
      throw new Error(`kubeconfig ${file} is not valid YAML: ${(e as Error).message}`);
    }
    const dir = path.dirname(path.resolve(file));
    for (const kind of ['clusters', 'users', 'contexts'] as const) {
      for (const entry of Array.isArray(doc[kind]) ? doc[kind] : []) {
        if (typeof entry?.name === 'string' && !entries[kind].has(entry.name)) entries[kind].set(entry.name, { ...entry, dir });
      }
    }
    current ??= typeof doc['current-context'] === 'string' && doc['current-context'] ? doc['current-context'] : undefined;
  }
  if (read === 0) throw new Error(`no kubeconfig found (looked for ${paths.join(', ')}): pass --kubeconfig or set KUBECONFIG`);
  const name = contextName ?? current;
  if (!name) throw new Error('the kubeconfig has no current-context: pass --context');
  const ctx = entries.contexts.get(name)?.context;
  if (!ctx) throw new Error(`context "${name}" does not exist in the kubeconfig`);
  const cluster = entries.clusters.get(ctx.cluster);
  if (!cluster?.cluster?.server) throw new Error(`cluster "${ctx.cluster}" of context "${name}" is missing or has no server`);
  const user = entries.users.get(ctx.user);
  const token = tokenOf(user);
  if (!token) throw new Error(`user "${ctx.user}" of context "${name}" has no token: only bearer tokens are supported here`);
  return {
    context: name,
    server: cluster.cluster.server,
    token,
    caPem: caOf(cluster),
    namespace: typeof ctx.namespace === 'string' && ctx.namespace ? ctx.namespace : 'default',
  };
}

function tokenOf(user: Named | undefined): string | undefined {
  if (typeof user?.user?.token === 'string') return user.user.token;
  if (typeof user?.user?.tokenFile === 'string') return fs.readFileSync(path.resolve(user.dir, user.user.tokenFile), 'utf8').trim();
  return undefined;
}

function caOf(cluster: Named): string {
  const c = cluster.cluster;
  if (typeof c['certificate-authority-data'] === 'string') return Buffer.from(c['certificate-authority-data'], 'base64').toString('utf8');
  if (typeof c['certificate-authority'] === 'string') return fs.readFileSync(path.resolve(cluster.dir, c['certificate-authority']), 'utf8');
  throw new Error(`cluster "${cluster.name}" has no certificate-authority: the server's certificate cannot be verified`);
}
