// Which agent owns a node network id (its bridge nkb-<id> and nft tables nanokube-*-<id>) on this
// machine: a record per id under /run/nanokube/network-owners, written by the agent that sets the
// network up. A cluster that was killed leaves its bridge, with its podCIDR's gateway, and its
// Service rules behind; a new cluster on the same ranges can remove them only when it knows their
// owner has stopped (a live owner's, or one with no record, are left alone).
import fs from 'node:fs';
import path from 'node:path';
import { isSameProcessAlive, processStartTime } from '../process-liveness.js';
import { readStateFile, writeStateFile } from './state-file.js';

const ownersDir = '/run/nanokube/network-owners';

interface OwnerRecord {
  pid: number;
  startTime?: number;
  nodeName: string;
  dataDir: string;
}

function recordPath(id: string): string {
  return path.join(ownersDir, `${id}.json`);
}

/** Records this process as the owner of the network id. */
export function claimNetworkId(id: string, nodeName: string, dataDir: string): void {
  const record: OwnerRecord = { pid: process.pid, startTime: processStartTime(process.pid), nodeName, dataDir: path.resolve(dataDir) };
  writeStateFile(recordPath(id), record);
}

export function releaseNetworkId(id: string): void {
  fs.rmSync(recordPath(id), { force: true });
}

/** The owner of a network id, if its record says it has stopped. */
export function stoppedOwner(id: string): OwnerRecord | undefined {
  const record = readStateFile<OwnerRecord | undefined>(recordPath(id), undefined);
  if (!record || !Number.isInteger(record.pid)) return undefined;
  return isSameProcessAlive(record.pid, record.startTime) ? undefined : record;
}
