#!/usr/bin/env node
// Dev-time tool, run by hand (not part of the build): regenerates src/apiserver/protobuf/schema.ts, the
// field tables the API server uses to decode kubectl's protobuf request bodies
// (`Content-Type: application/vnd.kubernetes.protobuf`, sent by `kubectl create <generator>` since 1.32).
// Run it again when the newest kubectl on this machine moves to a newer Kubernetes API, or when a kind is
// added to the server, then commit the regenerated schema.ts:
//
//   node scripts/gen-protobuf-schema.mjs [path/to/kubectl] [--out file.ts]
//
// The default binary is kubectl.1.33 beside the `kubectl` on PATH. Nothing is written by hand; every fact
// comes from that binary:
//
// 1. Field numbers and wire types. Gogo-generated Go code embeds each generated.proto as a gzipped
//    FileDescriptorProto (the `fileDescriptor_<hash>` byte arrays). The tool finds every gzip stream
//    (magic 1f8b0800 00000000), inflates it and keeps the ones that parse as a FileDescriptorProto.
// 2. JSON names, `omitempty`, `,inline` and pointer-ness. The proto descriptors do not say which fields are
//    Go pointers, yet that decides the JSON: gogo's marshaller writes a non-pointer scalar even when it is
//    zero (`minReadySeconds: 0`, `hostNetwork: false`), and encoding/json then drops it only if the field
//    is `omitempty`; a pointer (`replicas`, `suspend`, `optional`, …) is on the wire exactly when it is set,
//    and an explicit 0/false must survive. The Go runtime type data in the (stripped, static) binary still
//    describes every struct that encoding/json reflects over: for each struct type the linker emits
//    abi.StructType {Type, PkgPath, Fields []StructField{Name, Typ, Offset}}, and each field's Name carries
//    its tag (`json:"replicas,omitempty" protobuf:"varint,1,opt,name=replicas"`). The tool walks .rodata for
//    struct types, resolves their names (`v1.DeploymentSpec`, package path from the uncommon type) and
//    pairs each proto message with its Go struct by package, name and protobuf field number.
//    Layouts assumed (Go 1.20–1.24, amd64): abi.Type is 48 bytes with Kind at +23 and Str (nameOff from the
//    start of .rodata) at +40; StructType adds PkgPath at +48 and Fields at +56; a ptrType's Elem is at +48;
//    the UncommonType follows the StructType at +80 with PkgPath nameOff first. The tool fails loudly if the
//    binary does not look like that.
// 3. The JSON name is the json tag's name. They equal the proto field names for every field we keep; the
//    tool prints any difference and also cross-checks the names against node_modules/kubernetes-types.
//
// Only messages reachable from the kinds the server serves (ROOTS below) are kept.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// apiVersion/kind → proto message, for every kind (and subresource body kind) the server accepts.
const ROOTS = {
  'v1': ['Namespace', 'Pod', 'Service', 'Endpoints', 'Node', 'Event', 'ConfigMap', 'Secret', 'ServiceAccount',
    'PersistentVolume', 'PersistentVolumeClaim', 'ReplicationController', 'Binding'],
  'apps/v1': ['ReplicaSet', 'Deployment', 'DaemonSet', 'ControllerRevision'],
  'batch/v1': ['Job', 'CronJob'],
  'networking.k8s.io/v1': ['Ingress', 'IngressClass'],
  'discovery.k8s.io/v1': ['EndpointSlice'],
  'coordination.k8s.io/v1': ['Lease'],
  'events.k8s.io/v1': ['Event'],
  'storage.k8s.io/v1': ['StorageClass'],
  'authorization.k8s.io/v1': ['SelfSubjectAccessReview', 'SelfSubjectRulesReview'],
  'authentication.k8s.io/v1': ['SelfSubjectReview', 'TokenRequest'],
  'authentication.k8s.io/v1beta1': ['SelfSubjectReview'],
  // Subresource bodies: pods/eviction and */scale.
  'policy/v1': ['Eviction'],
  'autoscaling/v1': ['Scale'],
};

// Messages with a custom JSON form (MarshalJSON upstream); the decoder knows them by name, so their Go
// structs are not consulted.
const SPECIAL = new Set([
  'apis.meta.v1.Time', 'apis.meta.v1.MicroTime', 'apis.meta.v1.Duration', 'apis.meta.v1.FieldsV1',
  'api.resource.Quantity', 'util.intstr.IntOrString', 'runtime.RawExtension',
  // UserInfo.extra's values: a Go []string, wrapped in a message with `repeated string items = 1`.
  'authentication.v1.ExtraValue', 'authentication.v1beta1.ExtraValue',
]);

// ---------------------------------------------------------------------------------------------- arguments
let binPath;
let outFile = path.join(repoRoot, 'src', 'apiserver', 'protobuf', 'schema.ts');
for (let i = 2; i < process.argv.length; i++) {
  if (process.argv[i] === '--out') outFile = path.resolve(process.argv[++i]);
  else binPath = process.argv[i];
}
if (!binPath) {
  const onPath = execFileSync('sh', ['-c', 'readlink -f "$(command -v kubectl)"'], { encoding: 'utf8' }).trim();
  binPath = path.join(path.dirname(onPath), 'kubectl.1.33');
}
const bin = fs.readFileSync(binPath);
const warn = (msg) => process.stderr.write(`warning: ${msg}\n`);
const die = (msg) => {
  process.stderr.write(`gen-protobuf-schema: ${msg}\n`);
  process.exit(1);
};

// ------------------------------------------------------------------------------------ a tiny proto reader
class Reader {
  constructor(buf) {
    this.buf = buf;
    this.pos = 0;
  }
  get done() {
    return this.pos >= this.buf.length;
  }
  varint() {
    let v = 0;
    let mul = 1;
    for (;;) {
      if (this.pos >= this.buf.length) throw new Error('truncated varint');
      const b = this.buf[this.pos++];
      v += (b & 0x7f) * mul;
      if (!(b & 0x80)) return v;
      mul *= 128;
    }
  }
  bytes() {
    const n = this.varint();
    if (this.pos + n > this.buf.length) throw new Error('truncated bytes');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  skip(wt) {
    if (wt === 0) this.varint();
    else if (wt === 1) this.pos += 8;
    else if (wt === 2) this.bytes();
    else if (wt === 5) this.pos += 4;
    else throw new Error(`wire type ${wt}`);
  }
  /** Calls fn(fieldNumber, wireType) for each field; fn returns true when it consumed the value. */
  each(fn) {
    while (!this.done) {
      const key = this.varint();
      const no = Math.floor(key / 8);
      const wt = key & 7;
      if (!fn(no, wt)) this.skip(wt);
    }
  }
}
const str = (b) => Buffer.from(b).toString('utf8');

function parseField(buf) {
  const f = { name: '', number: 0, label: 1, type: 0, typeName: '' };
  const r = new Reader(buf);
  r.each((no, wt) => {
    if (no === 1 && wt === 2) f.name = str(r.bytes());
    else if (no === 3 && wt === 0) f.number = r.varint();
    else if (no === 4 && wt === 0) f.label = r.varint();
    else if (no === 5 && wt === 0) f.type = r.varint();
    else if (no === 6 && wt === 2) f.typeName = str(r.bytes());
    else return false;
    return true;
  });
  return f;
}

function parseMessage(buf, prefix, out) {
  const m = { name: '', fields: [], mapEntry: false };
  const nested = [];
  const r = new Reader(buf);
  r.each((no, wt) => {
    if (wt !== 2) return false;
    const b = r.bytes();
    if (no === 1) m.name = str(b);
    else if (no === 2) m.fields.push(parseField(b));
    else if (no === 3) nested.push(b);
    else if (no === 7) {
      const o = new Reader(b);
      o.each((ono, owt) => {
        if (ono === 7 && owt === 0) {
          m.mapEntry = o.varint() !== 0;
          return true;
        }
        return false;
      });
    }
    return true;
  });
  m.fullName = `${prefix}.${m.name}`;
  out.set(m.fullName, m);
  for (const b of nested) parseMessage(b, m.fullName, out);
}

function parseFile(buf) {
  const file = { name: '', pkg: '', goPackage: '', messages: new Map() };
  const msgs = [];
  const r = new Reader(buf);
  r.each((no, wt) => {
    if (wt !== 2) return false;
    const b = r.bytes();
    if (no === 1) file.name = str(b);
    else if (no === 2) file.pkg = str(b);
    else if (no === 4) msgs.push(b);
    else if (no === 8) {
      const o = new Reader(b);
      o.each((ono, owt) => {
        if (ono === 11 && owt === 2) {
          file.goPackage = str(o.bytes());
          return true;
        }
        return false;
      });
    }
    return true;
  });
  for (const b of msgs) parseMessage(b, `.${file.pkg}`, file.messages);
  return file;
}

// ------------------------------------------------------------- 1. the embedded FileDescriptorProtos
const files = new Map();
{
  const magic = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0]);
  for (let i = bin.indexOf(magic); i >= 0; i = bin.indexOf(magic, i + 1)) {
    let raw;
    try {
      raw = zlib.gunzipSync(bin.subarray(i, i + 4_000_000));
    } catch {
      continue;
    }
    let f;
    try {
      f = parseFile(raw);
    } catch {
      continue;
    }
    if (!f.name.endsWith('generated.proto') || !f.pkg.startsWith('k8s.io.')) continue;
    if (!files.has(f.name)) files.set(f.name, f);
  }
}
if (!files.has('k8s.io/api/core/v1/generated.proto')) die(`no k8s.io/api/core/v1/generated.proto descriptor found in ${binPath}`);

const allMessages = new Map(); // ".k8s.io.api.apps.v1.Deployment" → message
const goPackageOf = new Map(); // same key → Go import path
for (const f of files.values()) {
  const goPkg = (f.goPackage || path.dirname(f.name)).split(';')[0];
  for (const [k, m] of f.messages) {
    allMessages.set(k, m);
    goPackageOf.set(k, goPkg);
  }
}

/** ".k8s.io.api.apps.v1.Deployment" → "apps.v1.Deployment"; apimachinery drops "k8s.io.apimachinery.pkg.". */
function shortName(full) {
  return full.replace(/^\.k8s\.io\.api\./, '').replace(/^\.k8s\.io\.apimachinery\.pkg\./, '').replace(/^\./, '');
}

function groupPkg(apiVersion) {
  const [g, v] = apiVersion.includes('/') ? apiVersion.split('/') : ['core', apiVersion];
  const group = g.replace(/\.k8s\.io$/, '');
  return `.k8s.io.api.${group}.${v}`;
}

// --------------------------------------------------------------------------- reachable messages
const reachable = new Set();
const kinds = {};
for (const [apiVersion, ks] of Object.entries(ROOTS)) {
  for (const kind of ks) {
    const full = `${groupPkg(apiVersion)}.${kind}`;
    if (!allMessages.has(full)) die(`no message ${full} for ${apiVersion} ${kind}`);
    kinds[`${apiVersion}/${kind}`] = shortName(full);
    const stack = [full];
    while (stack.length) {
      const n = stack.pop();
      if (reachable.has(n)) continue;
      const m = allMessages.get(n);
      if (!m) die(`message ${n} is referenced but not in any descriptor`);
      reachable.add(n);
      for (const f of m.fields) if (f.typeName) stack.push(f.typeName);
    }
  }
}
for (const s of SPECIAL) {
  if (![...reachable].some((n) => shortName(n) === s)) warn(`special message ${s} is not reachable (harmless)`);
}

// ---------------------------------------------------------------- 2. Go struct types from the binary
const elf = (() => {
  if (bin.readUInt32BE(0) !== 0x7f454c46 || bin[4] !== 2 || bin[5] !== 1) die('not a 64-bit little-endian ELF binary');
  const shoff = Number(bin.readBigUInt64LE(0x28));
  const shentsize = bin.readUInt16LE(0x3a);
  const shnum = bin.readUInt16LE(0x3c);
  const shstrndx = bin.readUInt16LE(0x3e);
  const secs = [];
  for (let i = 0; i < shnum; i++) {
    const o = shoff + i * shentsize;
    secs.push({
      nameOff: bin.readUInt32LE(o), type: bin.readUInt32LE(o + 4), addr: Number(bin.readBigUInt64LE(o + 16)),
      off: Number(bin.readBigUInt64LE(o + 24)), size: Number(bin.readBigUInt64LE(o + 32)),
    });
  }
  const strtab = secs[shstrndx];
  for (const s of secs) {
    let e = strtab.off + s.nameOff;
    let n = '';
    while (bin[e]) n += String.fromCharCode(bin[e++]);
    s.name = n;
  }
  return secs;
})();
const rodata = elf.find((s) => s.name === '.rodata');
if (!rodata) die('no .rodata section');
function fileOff(va) {
  for (const s of elf) if (s.type !== 8 /* NOBITS */ && s.addr && va >= s.addr && va < s.addr + s.size) return s.off + (va - s.addr);
  return -1;
}
const u64 = (fo) => Number(bin.readBigUInt64LE(fo));
/** A runtime name: flags byte, varint length, bytes, then (flag 2) varint length and tag. */
function goName(va) {
  const fo = fileOff(va);
  if (fo < 0) return undefined;
  const flag = bin[fo];
  let p = fo + 1;
  const uv = () => {
    let v = 0;
    let shift = 0;
    let b;
    do {
      b = bin[p++];
      v |= (b & 0x7f) << shift;
      shift += 7;
    } while (b & 0x80 && shift < 28);
    return v;
  };
  const len = uv();
  const name = bin.toString('latin1', p, p + len);
  p += len;
  let tag = '';
  if (flag & 2) {
    const tl = uv();
    tag = bin.toString('latin1', p, p + tl);
  }
  return { flag, name, tag };
}
const KIND = { 1: 'bool', 2: 'int', 5: 'int32', 6: 'int64', 8: 'uint', 11: 'uint32', 12: 'uint64', 13: 'float32', 14: 'float64', 21: 'map', 22: 'ptr', 23: 'slice', 24: 'string', 25: 'struct', 17: 'array', 20: 'interface' };
const kindAt = (typeVa) => KIND[bin[fileOff(typeVa) + 23] & 31] ?? `kind${bin[fileOff(typeVa) + 23] & 31}`;

function parseTag(tag) {
  const out = {};
  for (const m of tag.matchAll(/(\w+):"((?:[^"\\]|\\.)*)"/g)) out[m[1]] = m[2];
  return out;
}

/** "k8s.io/api/apps/v1 DeploymentSpec" → [{goName, kind, elemKind, json, omitempty, inline, pbNumber}] (one per copy). */
const goStructs = new Map();
{
  const end = rodata.off + rodata.size - 88;
  for (let o = rodata.off; o < end; o += 8) {
    if ((bin[o + 23] & 31) !== 25) continue;
    const data = u64(o + 56);
    const len = u64(o + 64);
    if (len === 0 || len !== u64(o + 72) || len > 400) continue;
    if (data < rodata.addr || data >= rodata.addr + rodata.size) continue;
    const tflag = bin[o + 20];
    if (!(tflag & 1)) continue; // only named types have an UncommonType
    const dataOff = fileOff(data);
    const first = goName(u64(dataOff));
    if (!first || !first.tag.includes('protobuf:"')) {
      // Structs whose first field is untagged (TypeMeta) still qualify if any field has a protobuf tag.
      let any = false;
      for (let i = 0; i < len && !any; i++) any = !!goName(u64(dataOff + i * 24))?.tag.includes('protobuf:"');
      if (!any) continue;
    }
    const typeName = goName(rodata.addr + bin.readInt32LE(o + 40));
    const pkgOff = bin.readInt32LE(o + 80);
    const pkg = pkgOff ? goName(rodata.addr + pkgOff) : undefined;
    if (!typeName || !pkg) continue;
    let name = typeName.name;
    if (tflag & 2) name = name.slice(1); // extra star
    name = name.slice(name.indexOf('.') + 1);
    const fields = [];
    for (let i = 0; i < len; i++) {
      const fo = dataOff + i * 24;
      const n = goName(u64(fo));
      const typ = u64(fo + 8);
      const kind = kindAt(typ);
      const elemKind = kind === 'ptr' ? kindAt(u64(fileOff(typ) + 48)) : undefined;
      const tags = parseTag(n.tag);
      const [jsonName, ...jsonOpts] = (tags.json ?? '').split(',');
      const pb = tags.protobuf ? tags.protobuf.split(',') : undefined;
      fields.push({
        goName: n.name, kind, elemKind,
        json: tags.json === undefined ? n.name : jsonName === '' ? n.name : jsonName,
        skip: jsonName === '-' && jsonOpts.length === 0,
        omitempty: jsonOpts.includes('omitempty'),
        inline: jsonOpts.includes('inline'),
        pbNumber: pb ? Number(pb[1]) : undefined,
        pbName: pb?.find((p) => p.startsWith('name='))?.slice(5),
      });
    }
    const key = `${pkg.name} ${name}`;
    if (!goStructs.has(key)) goStructs.set(key, []);
    goStructs.get(key).push(fields);
  }
}
if (!goStructs.has('k8s.io/api/apps/v1 DeploymentSpec')) die('could not find Go struct type data (k8s.io/api/apps/v1.DeploymentSpec) in the binary');

// ------------------------------------------------------------------------------------- build schema
const FLAG = { repeated: 1, pointer: 2, omitempty: 4, inline: 8, skip: 16 };
const T = { DOUBLE: 1, FLOAT: 2, INT64: 3, UINT64: 4, INT32: 5, FIXED64: 6, FIXED32: 7, BOOL: 8, STRING: 9, GROUP: 10, MESSAGE: 11, BYTES: 12, UINT32: 13, ENUM: 14, SFIXED32: 15, SFIXED64: 16, SINT32: 17, SINT64: 18 };
const schema = {};
const nameDiffs = [];
let problems = 0;

for (const full of [...reachable].sort()) {
  const m = allMessages.get(full);
  const short = shortName(full);
  if (m.mapEntry) {
    const k = m.fields.find((f) => f.number === 1);
    const v = m.fields.find((f) => f.number === 2);
    schema[short] = { map: [k.type, v.type, ...(v.typeName ? [shortName(v.typeName)] : [])] };
    continue;
  }
  let go;
  if (!SPECIAL.has(short)) {
    const goPkg = goPackageOf.get(full);
    const copies = goStructs.get(`${goPkg} ${m.name}`);
    if (!copies) {
      warn(`${short}: no Go struct ${goPkg}.${m.name}; pointer/omitempty unknown`);
      problems++;
    } else {
      // Identical copies are expected (e.g. per-instantiation); differing ones would be a parsing bug.
      const sig = (c) => JSON.stringify(c);
      if (copies.some((c) => sig(c) !== sig(copies[0]))) die(`${short}: Go struct copies differ`);
      go = copies[0];
    }
  }
  const fields = [];
  for (const f of m.fields) {
    const repeated = f.label === 3;
    let flags = repeated ? FLAG.repeated : 0;
    let jsonName = f.name;
    if (go) {
      const g = go.find((x) => x.pbNumber === f.number);
      if (!g) {
        warn(`${short}.${f.name} (${f.number}): no Go field with that protobuf number`);
        problems++;
      } else {
        if (g.pbName && g.pbName !== f.name) warn(`${short}.${f.name}: Go tag says name=${g.pbName}`);
        jsonName = g.inline ? f.name : g.json;
        if (!g.inline && g.json !== f.name) nameDiffs.push(`${short}.${f.name} → json "${g.json}"`);
        if (g.kind === 'ptr') flags |= FLAG.pointer;
        if (g.omitempty) flags |= FLAG.omitempty;
        if (g.inline) flags |= FLAG.inline;
        if (g.skip) flags |= FLAG.skip;
        // Consistency between the two sources.
        const isMsg = f.type === T.MESSAGE;
        const map = isMsg && allMessages.get(f.typeName)?.mapEntry;
        const expect = map ? ['map'] : repeated || f.type === T.BYTES ? ['slice'] : isMsg ? ['struct', 'ptr'] : ['ptr', 'bool', 'int', 'int32', 'int64', 'uint', 'uint32', 'uint64', 'string', 'float32', 'float64'];
        if (!expect.includes(g.kind)) {
          warn(`${short}.${f.name}: proto type ${f.type}${repeated ? ' repeated' : ''} but Go kind ${g.kind}`);
          problems++;
        }
        if (g.kind === 'ptr' && isMsg !== (g.elemKind === 'struct')) {
          warn(`${short}.${f.name}: pointer to ${g.elemKind} for proto type ${f.type}`);
          problems++;
        }
      }
    }
    const entry = [f.number, jsonName, f.type, flags];
    if (f.typeName) entry.push(shortName(f.typeName));
    fields.push(entry);
  }
  // JSON field order follows the Go struct, which is how upstream prints objects.
  if (go) {
    const order = new Map(go.filter((g) => g.pbNumber !== undefined).map((g, i) => [g.pbNumber, i]));
    fields.sort((a, b) => (order.get(a[0]) ?? 1e9) - (order.get(b[0]) ?? 1e9));
  }
  schema[short] = { fields };
}
if (problems) die(`${problems} problem(s) reconciling descriptors with Go types; not writing ${outFile}`);

// ----------------------------------------------------- 3. cross-check JSON names with kubernetes-types
{
  const typesDir = path.join(repoRoot, 'node_modules', 'kubernetes-types');
  const declCache = new Map();
  const decls = (file) => {
    if (!declCache.has(file)) {
      const map = new Map();
      if (fs.existsSync(file)) {
        const text = fs.readFileSync(file, 'utf8').replace(/\/\*\*[\s\S]*?\*\//g, '');
        for (const m of text.matchAll(/export interface (\w+)[^{]*\{/g)) {
          // Top-level members only: track brace depth to step over inline object types.
          const props = new Set();
          let depth = 1;
          let line = '';
          for (let i = m.index + m[0].length; i < text.length && depth > 0; i++) {
            const c = text[i];
            if (depth === 1 && (c === '\n' || c === '{')) {
              const p = /^\s*(?:readonly\s+)?["']?([\w$-]+)["']?\??:/.exec(line);
              if (p) props.add(p[1]);
              line = '';
            }
            if (c === '{') depth++;
            else if (c === '}') depth--;
            else if (depth === 1 && c !== '\n') line += c;
          }
          map.set(m[1], props);
        }
      }
      declCache.set(file, map);
    }
    return declCache.get(file);
  };
  const missing = [];
  let checked = 0;
  for (const [short, def] of Object.entries(schema)) {
    if (!def.fields || SPECIAL.has(short)) continue;
    const parts = short.split('.');
    const name = parts.pop();
    const rel = parts[0] === 'apis' && parts[1] === 'meta' ? 'meta/v1' : parts.length === 2 ? `${parts[0]}/${parts[1]}` : undefined;
    const props = rel && decls(path.join(typesDir, `${rel}.d.ts`)).get(name);
    if (!props) continue;
    for (const f of def.fields) {
      if (f[3] & (FLAG.inline | FLAG.skip)) continue;
      checked++;
      if (!props.has(f[1])) missing.push(`${short}.${f[1]}`);
    }
  }
  process.stderr.write(`kubernetes-types cross-check: ${checked} JSON names compared, ${missing.length} not declared there` +
    ` (fields newer than kubernetes-types' Kubernetes version): ${missing.join(', ') || '-'}\n`);
  process.stderr.write(`proto field names that differ from their JSON names: ${nameDiffs.join(', ') || 'none'}\n`);
}

// --------------------------------------------------------------------------------------------- write
const version = (() => {
  try {
    return JSON.parse(execFileSync(binPath, ['version', '--client', '-o', 'json'], { encoding: 'utf8' })).clientVersion.gitVersion;
  } catch {
    return 'unknown';
  }
})();
const lines = [];
lines.push('// GENERATED by scripts/gen-protobuf-schema.mjs from the descriptors and Go type data embedded in');
lines.push(`// ${path.basename(binPath)} (${version}). Do not edit; rerun the script instead.`);
lines.push('//');
lines.push('// messages: proto message name (k8s.io.api. / k8s.io.apimachinery.pkg. prefix dropped) →');
lines.push('//   { fields: [number, jsonName, protoType, flags, messageType?][] }  in Go struct (= JSON) order, or');
lines.push('//   { map: [keyType, valueType, valueMessageType?] }                  for map<…> entry messages.');
lines.push('// protoType is FieldDescriptorProto.Type (5 int32, 3 int64, 8 bool, 9 string, 11 message, 12 bytes, …).');
lines.push('// flags: 1 repeated, 2 Go pointer, 4 json omitempty, 8 json ",inline", 16 json "-".');
lines.push('// kinds: "apiVersion/Kind" → root message.');
lines.push('');
lines.push('export type FieldDef = [number: number, jsonName: string, protoType: number, flags: number, messageType?: string];');
lines.push('export type MessageDef = { fields: FieldDef[]; map?: undefined } | { map: [keyType: number, valueType: number, valueMessageType?: string]; fields?: undefined };');
lines.push('');
lines.push(`export const kinds: Record<string, string> = ${JSON.stringify(kinds, null, 1).replace(/\n\s*/g, ' ')};`);
lines.push('');
lines.push('export const messages: Record<string, MessageDef> = {');
for (const [k, v] of Object.entries(schema)) lines.push(`  ${JSON.stringify(k)}: ${JSON.stringify(v)},`);
lines.push('};');
fs.mkdirSync(path.dirname(outFile), { recursive: true });
fs.writeFileSync(outFile, lines.join('\n') + '\n');
process.stderr.write(`wrote ${path.relative(process.cwd(), outFile)}: ${Object.keys(schema).length} messages, ${Object.keys(kinds).length} kinds\n`);
