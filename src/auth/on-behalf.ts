// The permission checks for work Squall does on someone's behalf: a rule acts as its owner,
// a workflow's tasks and an action's templates act as the user who started the execution
// (StackStorm's model). Work without a user (pack rules without an owner, `squall workflow
// run`) acts as the system, which may do anything. Grants come from the authorizer's cache,
// so a check costs no database read while the grants are cached.
import type { KvScope } from '../datastore/names.js';
import { refOf } from '../datastore/service.js';
import { systemMayDecrypt, type MayDecrypt } from '../datastore/template.js';
import type { Tx } from '../store/types.js';
import type { Authorizer } from './rbac.js';

export interface OnBehalf {
  /** Whether `user` may run action `ref` (action:execute); `tx`: the caller's transaction, if it holds one. */
  mayExecute(user: string | null, ref: string, tx?: Tx): Promise<boolean>;
  /** Whether `user` may decrypt the secret `scope`.`name` (key:decrypt: admins for system keys, owners for their user keys). */
  mayDecrypt: MayDecrypt;
}

export function onBehalf(authorizer: Authorizer): OnBehalf {
  const as = (username: string) => ({ username, via: 'system' as const });
  return {
    mayExecute: async (user, ref, tx) => user === null || authorizer.authorize(as(user), 'action:execute', { type: 'action', ref, pack: ref.split('.')[0]! }, tx),
    mayDecrypt: async (user, scope, name, tx) => {
      if (user === null) return systemMayDecrypt(user, scope, name);
      const ref = refOf(scope, user, name);
      return authorizer.authorize(as(user), 'key:decrypt', { type: 'key', ref, ...(scope === 'user' ? { owner: user } : {}) }, tx);
    },
  };
}
