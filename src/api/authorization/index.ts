// authorization.k8s.io/v1: the self-reviews `kubectl auth can-i` asks. nanokube authorizes every
// authenticated user for everything (its tokens are the admin's and the nodes'), so each answer says
// allowed, as upstream's AlwaysAllow authorizer would.
import type { KubeObject } from '../object.js';
import type { ResourceType } from '../resource-type.js';

const reason = 'nanokube allows every authenticated user';

function accessReview(obj: KubeObject): KubeObject {
  return { ...obj, status: { allowed: true, reason } };
}

function rulesReview(obj: KubeObject): KubeObject {
  return {
    ...obj,
    status: {
      resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
      nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
      incomplete: false,
    },
  };
}

const review = { namespaced: false, hasStatus: false, verbs: ['create'], shortNames: [], strategy: {} };

export const authorizationResources: ResourceType[] = [
  { group: 'authorization.k8s.io', version: 'v1', kind: 'SelfSubjectAccessReview', plural: 'selfsubjectaccessreviews', singular: 'selfsubjectaccessreview', ...review, review: accessReview },
  { group: 'authorization.k8s.io', version: 'v1', kind: 'SelfSubjectRulesReview', plural: 'selfsubjectrulesreviews', singular: 'selfsubjectrulesreview', ...review, review: rulesReview },
];
