// Authentication, RBAC and audit: the public surface. startServer builds one AuthServices per
// node with createAuthServices and passes it to the API; the rules engine, the workflow
// runtime and the templates of actions get `onBehalf` (see on-behalf.ts) to check what they
// do on someone's behalf: request an execution, decrypt a datastore secret.
import type { Logger } from 'pino';
import { hasCode } from '../errors.js';
import type { Store } from '../store/types.js';
import { createAuthorizer, seedSystemRoles, type Authorizer } from './rbac.js';
import { loadRbacFiles } from './rbac-files.js';
import { createLoginLimiter, type LoginLimiter } from './rate-limit.js';
import { createTokenVerifier } from './users.js';
import { createKeyVerifier, type CachedVerifier } from './api-keys.js';
import { onBehalf, type OnBehalf } from './on-behalf.js';

export { audit, listAudit, type Actor, type AuditEntry, type AuditRecord, type AuditFilter } from './audit.js';
export { createAuthorizer, RBAC_CHANNEL, type Authorizer } from './rbac.js';
export { loadRbacFiles, readRbacFiles } from './rbac-files.js';
export { SYSTEM_ROLES, parsePermission, type Permission, type Resource, type Role, type Grant } from './permissions.js';
export type { OnBehalf } from './on-behalf.js';
export { AUTH_CHANNEL, createApiKey, createKeyVerifier, ensureAdminCredentials, type Principal } from './api-keys.js';

export interface AuthServices {
  store: Store;
  home: string;
  now: () => number;
  authorizer: Authorizer;
  /** The checks for work done on a user's behalf (rules, workflow tasks, action templates). */
  onBehalf: OnBehalf;
  verifyKey: CachedVerifier;
  verifyToken: CachedVerifier;
  limiter: LoginLimiter;
  /**
   * Drops this node's cached keys, tokens and grants. Called after every change to them, so
   * the change holds on the very next request here; other nodes hear AUTH_CHANNEL/RBAC_CHANNEL.
   */
  invalidate(): void;
}

/**
 * Seeds the system roles, loads $SQUALL_HOME/rbac and builds the checkers. A bad RBAC file is
 * logged and changes nothing (the roles last loaded stay in force): a typo must not keep the
 * node from starting; `squall role reload` reports it as an error.
 */
export async function createAuthServices(store: Store, home: string, now: () => number, log: Pick<Logger, 'error'>): Promise<AuthServices> {
  await store.tx((tx) => seedSystemRoles(tx, now()));
  await loadRbacFiles(store, home, { user: 'system' }, now()).catch((err: unknown) => {
    if (!hasCode(err, 'RBAC_FILE_INVALID')) throw err;
    log.error({ code: err.code, problems: err.details }, `RBAC files not applied: ${err.message}`);
  });
  const authorizer = createAuthorizer(store, now);
  const verifyKey = createKeyVerifier(store, now);
  const verifyToken = createTokenVerifier(store, now);
  const invalidate = () => {
    authorizer.invalidate();
    verifyKey.clear();
    verifyToken.clear();
  };
  return { store, home, now, authorizer, onBehalf: onBehalf(authorizer), verifyKey, verifyToken, limiter: createLoginLimiter(now), invalidate };
}
