// A node's Service table as `nft -j list table` prints it, read back into where each Service address
// leads: the verdict maps service-ips (daddr . protocol . port) and service-nodeports (protocol . port)
// jump into chains whose DNAT targets are the endpoints; the no-endpoint sets reject. The chains are
// followed generically (any goto/jump, any dnat), so the reading does not depend on how the proxy
// splits its chains.

/** Where a node's rules send each Service address. */
export interface ServiceTableView {
  /** vipKey → the DNAT destinations ("ip:port", sorted) reached through the chains. */
  vips: Record<string, string[]>;
  /** nodePortKey → DNAT destinations. */
  nodePorts: Record<string, string[]>;
  /** Addresses listed as having no endpoints (rejected at once). */
  rejectedVips: string[];
  rejectedNodePorts: string[];
}

export function vipKey(ip: string, protocol: string, port: number): string {
  return `${ip} ${protocol.toLowerCase()} ${port}`;
}

export function nodePortKey(protocol: string, port: number): string {
  return `${protocol.toLowerCase()} ${port}`;
}

/** A set or map element's key: a concatenation, possibly wrapped with timeout/expiry data. */
function elementKey(key: any): unknown[] {
  const k = key?.elem?.val ?? key;
  return Array.isArray(k?.concat) ? k.concat : [k];
}

function keyText(parts: unknown[]): string {
  return parts.map((p) => String(p).toLowerCase()).join(' ');
}

/** Every value of `field` anywhere inside a JSON expression. */
function collect(expr: unknown, field: string, out: any[] = []): any[] {
  if (Array.isArray(expr)) for (const e of expr) collect(e, field, out);
  else if (expr && typeof expr === 'object') {
    for (const [k, v] of Object.entries(expr)) {
      if (k === field) out.push(v);
      collect(v, field, out);
    }
  }
  return out;
}

function jumpTargets(expr: unknown): string[] {
  return [...collect(expr, 'goto'), ...collect(expr, 'jump')].map((v) => v?.target).filter((t): t is string => typeof t === 'string');
}

/** Reads `nft -j list table ip <table>` output (the parsed JSON). */
export function parseServiceTable(json: unknown): ServiceTableView {
  const items: any[] = Array.isArray((json as any)?.nftables) ? (json as any).nftables : [];
  const maps = new Map<string, any[]>();
  const sets = new Map<string, any[]>();
  const rules = new Map<string, unknown[]>();
  for (const item of items) {
    if (item.map) maps.set(item.map.name, item.map.elem ?? []);
    else if (item.set) sets.set(item.set.name, item.set.elem ?? []);
    else if (item.rule) {
      const list = rules.get(item.rule.chain) ?? [];
      list.push(item.rule.expr ?? []);
      rules.set(item.rule.chain, list);
    }
  }
  const destinations = (chain: string, seen = new Set<string>()): Set<string> => {
    const out = new Set<string>();
    if (seen.has(chain)) return out;
    seen.add(chain);
    for (const expr of rules.get(chain) ?? []) {
      for (const d of collect(expr, 'dnat')) if (d?.addr !== undefined) out.add(d.port !== undefined ? `${d.addr}:${d.port}` : String(d.addr));
      for (const t of jumpTargets(expr)) for (const d of destinations(t, seen)) out.add(d);
    }
    return out;
  };
  const readMap = (name: string): Record<string, string[]> => {
    const out: Record<string, string[]> = {};
    for (const elem of maps.get(name) ?? []) {
      if (!Array.isArray(elem)) continue;
      const found = new Set<string>();
      for (const t of jumpTargets(elem[1])) for (const d of destinations(t)) found.add(d);
      out[keyText(elementKey(elem[0]))] = [...found].sort();
    }
    return out;
  };
  const readSet = (name: string) => (sets.get(name) ?? []).map((e) => keyText(elementKey(e)));
  return {
    vips: readMap('service-ips'),
    nodePorts: readMap('service-nodeports'),
    rejectedVips: readSet('no-endpoint-services'),
    rejectedNodePorts: readSet('no-endpoint-nodeports'),
  };
}
