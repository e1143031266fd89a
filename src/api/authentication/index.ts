// authentication.k8s.io: SelfSubjectReview, what `kubectl auth whoami` asks (v1 since 1.28; kubectl
// 1.27 asks v1beta1 first).
import type { KubeObject } from '../object.js';
import type { RequestUser, ResourceType } from '../resource-type.js';

function selfSubjectReview(obj: KubeObject, user: RequestUser): KubeObject {
  return { ...obj, status: { userInfo: { username: user.username, groups: user.groups } } };
}

const entry = {
  group: 'authentication.k8s.io', kind: 'SelfSubjectReview', plural: 'selfsubjectreviews', singular: 'selfsubjectreview',
  namespaced: false, hasStatus: false, verbs: ['create'], shortNames: [], strategy: {}, review: selfSubjectReview,
};

export const authenticationResources: ResourceType[] = [
  { ...entry, version: 'v1' },
  { ...entry, version: 'v1beta1' },
];
