// A registry entry: everything the API server needs to serve one kind. Discovery, OpenAPI paths,
// routing, tables and validation all follow from these entries; no handler is written per kind.
import type { KubeObject } from './object.js';
import type { FieldError } from './field-errors.js';

export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format?: string; // "name" for the NAME column
  description: string;
  priority?: number; // >0: only with -o wide
}

export interface TablePrinter {
  columns: PrinterColumn[];
  /** One cell per column, in order; Age and other durations are rendered by the server. */
  cells(obj: KubeObject, now: Date): unknown[];
}

/** How a kind's metadata.name is checked (upstream's ValidateNameFunc per kind). */
export type NameRule = 'dns1123-subdomain' | 'dns1123-label' | 'dns1035-label' | 'path-segment';

export interface ValidationContext {
  /** The object as stored before this update (updates only). */
  old?: KubeObject;
}

export interface Strategy {
  /** Fill upstream defaults in place (create, update, and the spec of embedded templates). */
  defaults?(obj: KubeObject): void;
  /** Field errors for the whole object (metadata is checked generically before this). */
  validate?(obj: KubeObject, ctx: ValidationContext): FieldError[];
  /** Extra checks that need the old object: immutable fields and the like. */
  validateUpdate?(obj: KubeObject, old: KubeObject): FieldError[];
  /**
   * Checks for a write to the status subresource, instead of validate + validateUpdate (upstream's
   * status strategies validate metadata and status only: the spec is the stored one).
   */
  validateStatusUpdate?(obj: KubeObject, old: KubeObject): FieldError[];
  /** Adjust a new object before it is stored (e.g. set pod status.phase=Pending). */
  prepareForCreate?(obj: KubeObject): void;
  /** Adjust an updated object before it is stored (old is the stored version). */
  prepareForUpdate?(obj: KubeObject, old: KubeObject): void;
  /** Fields outside `spec` whose change bumps metadata.generation (e.g. "template" for ControllerRevision-less kinds). */
  generationFields?: string[];
  /** Warnings returned in `Warning:` headers (deprecated fields and the like). */
  warnings?(obj: KubeObject): string[];
}

export interface ScaleSubresource {
  specReplicasPath: string; // ".spec.replicas"
  statusReplicasPath: string; // ".status.replicas"
  labelSelectorPath: string; // ".status.selector" (string) or how to derive it
}

export type ExtraSubresource = 'log' | 'exec' | 'attach' | 'portforward' | 'binding' | 'eviction' | 'proxy' | 'ephemeralcontainers' | 'finalize' | 'token';

/** Who made a request, as the authenticator found (upstream's user.Info). */
export interface RequestUser {
  username: string;
  groups: string[];
}

/**
 * The answer to a create of a kind that is computed, never stored (upstream's SelfSubjectAccessReview
 * family): the request's object with its status filled in for the requesting user.
 */
export type ReviewFunction = (obj: KubeObject, user: RequestUser) => KubeObject;

export interface ResourceType {
  group: string; // "" for core
  version: string;
  kind: string;
  listKind?: string; // default `${kind}List`
  plural: string;
  singular: string;
  shortNames: string[];
  namespaced: boolean;
  categories?: string[];
  /** Default: create delete deletecollection get list patch update watch. */
  verbs?: string[];
  nameRule?: NameRule; // default dns1123-subdomain
  hasStatus: boolean;
  scale?: ScaleSubresource;
  extraSubresources?: ExtraSubresource[];
  printer?: TablePrinter;
  /** Field selectors beyond metadata.name / metadata.namespace, as upstream supports them. */
  fieldSelectors?: Record<string, (obj: KubeObject) => string | undefined>;
  strategy: Strategy;
  /** Set for create-only kinds answered without storage; their verbs are just ['create']. */
  review?: ReviewFunction;
}

export const defaultVerbs = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export function verbsOf(rt: Pick<ResourceType, 'verbs'>): string[] {
  return rt.verbs ?? defaultVerbs;
}

export function apiVersionOf(rt: Pick<ResourceType, 'group' | 'version'>): string {
  return rt.group ? `${rt.group}/${rt.version}` : rt.version;
}
