// Pod IPs from the node's podCIDR, kept in a file in the agent's data dir so that an agent restart
// keeps every pod's address and knows which network namespaces are its own.
import { intToIp, ipToInt, parseCidr } from '../../api/ipv4-cidr.js';
import { readStateFile, writeStateFile } from './state-file.js';

interface State {
  podCidr?: string;
  /** pod uid → IP */
  pods: Record<string, string>;
}

export class PodIpAllocator {
  private state: State;

  constructor(private readonly file: string) {
    this.state = readStateFile<State>(file, { pods: {} });
  }

  get podCidr(): string | undefined {
    return this.state.podCidr;
  }

  /** Pods that hold an address (and so a network namespace) on this node. */
  owners(): string[] {
    return Object.keys(this.state.pods);
  }

  get(podUid: string): string | undefined {
    return this.state.pods[podUid];
  }

  /** Records the node's podCIDR; addresses from another CIDR are no longer valid (their owners must go). */
  setPodCidr(cidr: string): void {
    if (this.state.podCidr === cidr) return;
    this.state.podCidr = cidr;
    this.save();
  }

  /** The pod's address: its existing one, else the lowest free host address after the gateway (.1). */
  allocate(podUid: string): string {
    const existing = this.state.pods[podUid];
    if (existing) return existing;
    if (!this.state.podCidr) throw new Error('the node has no podCIDR yet');
    const { base, size } = parseCidr(this.state.podCidr);
    const used = new Set(Object.values(this.state.pods).map(ipToInt));
    for (let n = base + 2; n < base + size - 1; n++) {
      if (used.has(n)) continue;
      const ip = intToIp(n);
      this.state.pods[podUid] = ip;
      this.save();
      return ip;
    }
    throw new Error(`no free pod IP left in ${this.state.podCidr}`);
  }

  release(podUid: string): void {
    if (!(podUid in this.state.pods)) return;
    delete this.state.pods[podUid];
    this.save();
  }

  private save(): void {
    writeStateFile(this.file, this.state);
  }
}
