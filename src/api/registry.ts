// The resource registry: every kind the API server serves, looked up by group/version/resource or kind.
import { apiVersionOf, type ResourceType } from './resource-type.js';
import { coreResources } from './core/index.js';
import { appsResources } from './apps/index.js';
import { batchResources } from './batch/index.js';
import { networkingResources } from './networking/index.js';
import { discoveryResources } from './discovery/index.js';
import { coordinationResources } from './coordination/index.js';
import { eventsResources } from './events/index.js';
import { storageResources } from './storage/index.js';
import { authenticationResources } from './authentication/index.js';
import { authorizationResources } from './authorization/index.js';

export interface GroupVersion {
  group: string;
  version: string;
}

export class Registry {
  readonly all: ResourceType[];
  private readonly byResource = new Map<string, ResourceType>();
  private readonly byKind = new Map<string, ResourceType>();

  constructor(types: ResourceType[]) {
    this.all = types;
    for (const t of types) {
      this.byResource.set(`${t.group}/${t.version}/${t.plural}`, t);
      this.byKind.set(`${apiVersionOf(t)}/${t.kind}`, t);
    }
  }

  /** By group, version and plural resource name. */
  resource(group: string, version: string, plural: string): ResourceType | undefined {
    return this.byResource.get(`${group}/${version}/${plural}`);
  }

  /** By apiVersion ("v1", "apps/v1") and kind. */
  kind(apiVersion: string, kind: string): ResourceType | undefined {
    return this.byKind.get(`${apiVersion}/${kind}`);
  }

  /** Group versions in discovery order: core first, then groups as registered. */
  groupVersions(): GroupVersion[] {
    const seen = new Map<string, GroupVersion>();
    for (const t of this.all) seen.set(`${t.group}/${t.version}`, { group: t.group, version: t.version });
    return [...seen.values()];
  }

  inGroupVersion(group: string, version: string): ResourceType[] {
    return this.all.filter((t) => t.group === group && t.version === version);
  }
}

export const builtinResources: ResourceType[] = [
  ...coreResources,
  ...appsResources,
  ...batchResources,
  ...networkingResources,
  ...discoveryResources,
  ...coordinationResources,
  ...eventsResources,
  ...storageResources,
  ...authenticationResources,
  ...authorizationResources,
];

export function defaultRegistry(): Registry {
  return new Registry(builtinResources);
}
