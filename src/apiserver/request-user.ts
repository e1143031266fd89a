// The authenticated user of a request, kept beside it for the handlers that answer per user
// (self-reviews). Tokens name a user; groups follow upstream's: the admin is in system:masters,
// nodes in system:nodes, service accounts in system:serviceaccounts[:<namespace>], and everyone
// authenticated in system:authenticated.
import type { IncomingMessage } from 'node:http';
import type { RequestUser } from '../api/resource-type.js';

const users = new WeakMap<IncomingMessage, RequestUser>();

export function userNamed(username: string): RequestUser {
  const groups = username === 'admin' ? ['system:masters'] : username.startsWith('system:node') ? ['system:nodes'] : [];
  const serviceAccount = /^system:serviceaccount:([^:]+):[^:]+$/.exec(username);
  if (serviceAccount) groups.push('system:serviceaccounts', `system:serviceaccounts:${serviceAccount[1]}`);
  return { username, groups: [...groups, 'system:authenticated'] };
}

export function setRequestUser(req: IncomingMessage, user: RequestUser): void {
  users.set(req, user);
}

export function requestUser(req: IncomingMessage): RequestUser | undefined {
  return users.get(req);
}
