// The datastore's public surface: scoped keys with TTL and encrypted secrets, and the
// snapshot lookups expressions use (see template.ts for how engines call them).
export {
  createDatastore, setKey, setKeys, inEntry, getKey, listKeys, deleteKey, purgeExpired, rotateKey, refOf,
  type DatastoreDeps, type KeyValuePair, type KvChange, type KvChangeKind, type KvHook, type SetKeyRequest, type KeyAddress, type ListKeysRequest,
} from './service.js';
export { referencedKeys, kvReader, systemMayDecrypt, type KvReader } from './template.js';
export { MAX_NAME_LENGTH, MAX_VALUE_BYTES, SCOPES, parseScope, assertKeyName, type KvScope } from './names.js';
export { startKvPurger } from './purger.js';
export { createSecretValues } from './secret-values.js';
