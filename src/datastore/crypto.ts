// Secret values: AES-256-GCM under $SQUALL_HOME/keys/datastore.key (32 random bytes, hex,
// mode 0600, created on first use). A ciphertext names the key that made it
// ("sqk1:<key id>:<iv>:<tag>:<data>", base64url parts), so a rotation interrupted between
// re-encrypting and replacing the key file is recovered: both keys are tried by id.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SquallError } from '../errors.js';

export interface DatastoreKey {
  id: string;
  bytes: Buffer;
}

export interface Cipher {
  encrypt(plain: string): string;
  decrypt(cipherText: string): string;
  /** The key new values are encrypted with. */
  readonly current: DatastoreKey;
}

const PREFIX = 'sqk1';

export function keyFile(home: string): string {
  return join(home, 'keys', 'datastore.key');
}

function keyFrom(hex: string, file: string): DatastoreKey {
  const bytes = Buffer.from(hex.trim(), 'hex');
  if (bytes.length !== 32) throw new SquallError('DATASTORE_KEY_INVALID', `${file} does not hold a 256-bit key (64 hex characters)`, { file });
  return { id: createHash('sha256').update(bytes).digest('hex').slice(0, 12), bytes };
}

export function newKey(): DatastoreKey {
  return keyFrom(randomBytes(32).toString('hex'), '(new key)');
}

function writeKey(file: string, key: DatastoreKey): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, key.bytes.toString('hex') + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
}

/** The datastore key (created on first use) and a pending rotation key, if one was left behind. */
export function loadKeys(home: string): { current: DatastoreKey; pending: DatastoreKey | null } {
  const file = keyFile(home);
  if (!existsSync(file)) writeKey(file, newKey());
  const current = keyFrom(readFileSync(file, 'utf8'), file);
  const pendingFile = file + '.new';
  const pending = existsSync(pendingFile) ? keyFrom(readFileSync(pendingFile, 'utf8'), pendingFile) : null;
  return { current, pending };
}

/** Stores `key` as the pending key (step 1 of a rotation). */
export function writePendingKey(home: string, key: DatastoreKey): void {
  writeKey(keyFile(home) + '.new', key);
}

/** Makes the pending key current (step 3 of a rotation, after every secret was re-encrypted). */
export function promotePendingKey(home: string): void {
  renameSync(keyFile(home) + '.new', keyFile(home));
}

export function createCipher(current: DatastoreKey, others: readonly DatastoreKey[] = []): Cipher {
  const byId = new Map([current, ...others].map((k) => [k.id, k]));
  return {
    current,
    encrypt(plain) {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', current.bytes, iv);
      const data = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      return [PREFIX, current.id, iv.toString('base64url'), c.getAuthTag().toString('base64url'), data.toString('base64url')].join(':');
    },
    decrypt(text) {
      const parts = text.split(':');
      const key = parts.length === 5 && parts[0] === PREFIX ? byId.get(parts[1]!) : undefined;
      if (!key) throw new SquallError('DATASTORE_KEY_INVALID', 'a secret value was encrypted with a key this node does not have');
      try {
        const d = createDecipheriv('aes-256-gcm', key.bytes, Buffer.from(parts[2]!, 'base64url'));
        d.setAuthTag(Buffer.from(parts[3]!, 'base64url'));
        return Buffer.concat([d.update(Buffer.from(parts[4]!, 'base64url')), d.final()]).toString('utf8');
      } catch (err) {
        throw new SquallError('DATASTORE_KEY_INVALID', 'a secret value failed its integrity check (wrong key or altered data)', {}, { cause: err });
      }
    },
  };
}

/** The cipher for this home: the current key, plus a pending rotation key for reading. */
export function cipherForHome(home: string): Cipher {
  const { current, pending } = loadKeys(home);
  return createCipher(current, pending ? [pending] : []);
}
