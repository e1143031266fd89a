// What the node agent reports about its machine: capacity, addresses, system info, conditions.
import fs from 'node:fs';
import os from 'node:os';
import { nowTimestamp, type KubeObject } from '../api/object.js';

export const kubeletVersion = 'v1.33.0-nanokube';

/** The address other nodes and the API server reach this node at: the first non-internal IPv4, else loopback. */
export function primaryAddress(): string {
  for (const addrs of Object.values(os.networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

function readFirst(paths: string[]): string {
  for (const p of paths) {
    try {
      return fs.readFileSync(p, 'utf8').trim();
    } catch {
      // try the next
    }
  }
  return '';
}

function osImage(): string {
  const text = readFirst(['/etc/os-release']);
  const m = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(text);
  return m ? m[1] : `${os.type()} ${os.release()}`;
}

function ephemeralStorageBytes(dir: string): number {
  try {
    const st = fs.statfsSync(dir);
    return st.blocks * st.bsize;
  } catch {
    return 0;
  }
}

export interface NodeIdentity {
  name: string;
  address: string;
  dataDir: string;
  kubeletPort: number;
  labels?: Record<string, string>;
  taints?: unknown[];
}

export function nodeCapacity(dataDir: string): Record<string, string> {
  return {
    cpu: String(os.cpus().length),
    memory: `${Math.floor(os.totalmem() / 1024)}Ki`,
    pods: '110',
    'ephemeral-storage': `${Math.floor(ephemeralStorageBytes(dataDir) / 1024)}Ki`,
  };
}

function condition(type: string, ok: boolean, reason: string, message: string, prev: any[] | undefined, now: string) {
  const status = ok ? 'True' : 'False';
  const before = prev?.find((c) => c.type === type);
  return {
    type, status, reason, message, lastHeartbeatTime: now,
    lastTransitionTime: before && before.status === status ? before.lastTransitionTime : now,
  };
}

export function nodeStatus(id: NodeIdentity, previous: KubeObject | undefined): Record<string, unknown> {
  const capacity = nodeCapacity(id.dataDir);
  const now = nowTimestamp();
  const prev = previous?.status?.conditions as any[] | undefined;
  const freeMem = os.freemem() / os.totalmem();
  return {
    capacity,
    allocatable: capacity,
    addresses: [{ type: 'InternalIP', address: id.address }, { type: 'Hostname', address: id.name }],
    daemonEndpoints: { kubeletEndpoint: { Port: id.kubeletPort } },
    nodeInfo: {
      machineID: readFirst(['/etc/machine-id', '/var/lib/dbus/machine-id']),
      systemUUID: readFirst(['/sys/class/dmi/id/product_uuid']) || readFirst(['/etc/machine-id']),
      bootID: readFirst(['/proc/sys/kernel/random/boot_id']),
      kernelVersion: os.release(),
      osImage: osImage(),
      containerRuntimeVersion: 'nanokube://0.1.0',
      kubeletVersion,
      kubeProxyVersion: kubeletVersion,
      operatingSystem: 'linux',
      architecture: process.arch === 'x64' ? 'amd64' : process.arch,
    },
    conditions: [
      condition('MemoryPressure', freeMem < 0.05, freeMem < 0.05 ? 'KubeletHasInsufficientMemory' : 'KubeletHasSufficientMemory',
        freeMem < 0.05 ? 'kubelet has insufficient memory available' : 'kubelet has sufficient memory available', prev, now),
      condition('DiskPressure', false, 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure', prev, now),
      condition('PIDPressure', false, 'KubeletHasSufficientPID', 'kubelet has sufficient PID available', prev, now),
      condition('Ready', true, 'KubeletReady', 'kubelet is posting ready status', prev, now),
    ],
  };
}

export function nodeObject(id: NodeIdentity): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: id.name,
      labels: {
        'kubernetes.io/hostname': id.name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': process.arch === 'x64' ? 'amd64' : process.arch,
        'beta.kubernetes.io/os': 'linux',
        'beta.kubernetes.io/arch': process.arch === 'x64' ? 'amd64' : process.arch,
        ...id.labels,
      },
    },
    spec: id.taints ? { taints: id.taints } : {},
  };
}
