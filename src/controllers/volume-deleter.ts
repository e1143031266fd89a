// Reclaim policy Delete, as upstream's volume plugins do it: a local-path volume's directory is
// removed (the provisioner made it); a hostPath under /tmp is removed as upstream's hostPath deleter
// does, any other hostPath is refused with its message; other sources have no deleter here (upstream:
// only their external provisioner or a CSI driver could delete them). A refusal leaves the volume
// Failed with the message, its data untouched.
import fs from 'node:fs';
import type { KubeObject } from '../api/object.js';
import { annProvisionedBy, localPathProvisioner, removeProvisionedData } from './local-path-provisioner.js';

/** Deletes the volume's data when a deleter can; returns why not otherwise. */
export function deleteVolumeData(pv: KubeObject, storageDir: string): string | undefined {
  if (pv.metadata.annotations?.[annProvisionedBy] === localPathProvisioner) {
    removeProvisionedData(pv, storageDir);
    return undefined;
  }
  const hostPath: string | undefined = pv.spec?.hostPath?.path;
  if (hostPath !== undefined) {
    if (!/\/tmp\/.+/.test(hostPath)) return `host_path deleter only supports /tmp/.+ but received provided ${hostPath}`;
    fs.rmSync(hostPath, { recursive: true, force: true });
    return undefined;
  }
  return `error getting deleter volume plugin for volume "${pv.metadata.name}": no deletable volume plugin matched`;
}
