// Reading and decoding request bodies: JSON, YAML and protobuf, bounded in size.
import type { IncomingMessage } from 'node:http';
import YAML from 'yaml';
import { ApiError, errors } from '../api/status.js';
import { decodeProtobufObject, isProtobufContentType } from './protobuf/decode.js';

/** Upstream's limit for a request body (3 MiB). */
export const maxBodyBytes = 3 * 1024 * 1024;

export async function readBody(req: IncomingMessage, limit = maxBodyBytes): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) {
    req.resume();
    throw errors.tooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw errors.tooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0].trim().toLowerCase();
}

/** Decode an object body (create/update) by its content type. */
export function decodeObjectBody(buf: Buffer, contentType: string | undefined): unknown {
  const mt = mediaType(contentType);
  if (isProtobufContentType(mt)) {
    try {
      return decodeProtobufObject(buf);
    } catch (e) {
      throw errors.badRequest(`the body of the request could not be decoded: ${(e as Error).message}`);
    }
  }
  if (mt === 'application/json' || mt === '' || mt === '*/*') return parseJson(buf);
  if (mt === 'application/yaml' || mt === 'application/x-yaml' || mt === 'text/yaml') return parseYaml(buf);
  throw errors.unsupportedMediaType(contentType ?? '');
}

export function parseJson(buf: Buffer): unknown {
  if (buf.length === 0) throw errors.badRequest('the request body is empty');
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch (e) {
    throw new ApiError(400, 'BadRequest', `couldn't get version/kind; json parse error: ${(e as Error).message}`);
  }
}

export function parseYaml(buf: Buffer): unknown {
  try {
    // The library's own unique-key check compares every pair of keys; ours is linear (a map with 100k keys
    // would otherwise hold the event loop for minutes).
    const lineCounter = new YAML.LineCounter();
    const docs = YAML.parseAllDocuments(buf.toString('utf8'), { uniqueKeys: false, lineCounter });
    if (!Array.isArray(docs) || docs.length !== 1) throw new Error('expected exactly one YAML document');
    if (docs[0].errors.length) throw docs[0].errors[0];
    rejectDuplicateKeys(docs[0], lineCounter);
    // A bounded alias count stops "billion laughs" documents.
    return docs[0].toJS({ maxAliasCount: 100 });
  } catch (e) {
    throw new ApiError(400, 'BadRequest', `error converting YAML to JSON: ${(e as Error).message}`);
  }
}

function rejectDuplicateKeys(doc: YAML.Document, lines: YAML.LineCounter): void {
  YAML.visit(doc, {
    Map(_, map) {
      const keys = new Set<unknown>();
      for (const pair of map.items) {
        const key = YAML.isScalar(pair.key) ? pair.key.value : pair.key;
        if (keys.has(key)) {
          const line = YAML.isNode(pair.key) && pair.key.range ? lines.linePos(pair.key.range[0]).line : undefined;
          throw new Error(`yaml: unmarshal errors:\n  ${line ? `line ${line}: ` : ''}key ${JSON.stringify(String(key))} already set in map`);
        }
        keys.add(key);
      }
    },
  });
}
