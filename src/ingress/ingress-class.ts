// nanokube's IngressClass: "nanokube", controller nanokube.io/ingress, marked the cluster default, made at
// startup when missing (a user may edit or delete it; it is only re-created by a restart). The controller
// serves every class whose spec.controller is nanokube.io/ingress, and Ingresses without a class while one
// of those is the default (an Ingress naming a class, by spec.ingressClassName or the deprecated
// kubernetes.io/ingress.class annotation, is served only if that class is one of them).
import type { KubeObject } from '../api/object.js';
import { ApiError } from '../api/status.js';
import type { ApiClient } from '../client/api-client.js';
import type { ResourceRef } from '../client/resource-ref.js';

export const ingressClassName = 'nanokube';
export const ingressControllerName = 'nanokube.io/ingress';
export const defaultClassAnnotation = 'ingressclass.kubernetes.io/is-default-class';
const classAnnotation = 'kubernetes.io/ingress.class';

export const ingressClassRef: ResourceRef = { group: 'networking.k8s.io', version: 'v1', kind: 'IngressClass', plural: 'ingressclasses', namespaced: false };

export async function ensureDefaultIngressClass(client: ApiClient): Promise<void> {
  try {
    await client.create(ingressClassRef, '', {
      apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass',
      metadata: { name: ingressClassName, annotations: { [defaultClassAnnotation]: 'true' }, labels: { 'app.kubernetes.io/managed-by': 'nanokube' } },
      spec: { controller: ingressControllerName },
    });
  } catch (e) {
    if (e instanceof ApiError && e.code === 409) return;
    throw e;
  }
}

/** Which Ingresses this controller serves, given the IngressClasses that exist. */
export class ClassSelection {
  private readonly names = new Set<string>();
  private readonly hasDefault: boolean;

  constructor(classes: KubeObject[]) {
    let hasDefault = false;
    for (const c of classes) {
      if (c.spec?.controller !== ingressControllerName) continue;
      this.names.add(c.metadata.name!);
      if (c.metadata.annotations?.[defaultClassAnnotation] === 'true') hasDefault = true;
    }
    this.hasDefault = hasDefault;
  }

  serves(ing: KubeObject): boolean {
    const name = ing.spec?.ingressClassName ?? ing.metadata.annotations?.[classAnnotation];
    return name ? this.names.has(name) : this.hasDefault;
  }
}
