// What a key may be called and hold. Limits are documented in the README's datastore section.
import { SquallError } from '../errors.js';

/** Longest key name, in characters. */
export const MAX_NAME_LENGTH = 255;
/** Largest value, in UTF-8 bytes of its string (or JSON) form, before encryption. */
export const MAX_VALUE_BYTES = 64 * 1024;

export const SCOPES = ['system', 'user'] as const;
export type KvScope = (typeof SCOPES)[number];

const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.:/-]*$/;

export function assertKeyName(name: string): void {
  if (name.length === 0 || name.length > MAX_NAME_LENGTH || !NAME.test(name)) {
    const why = name.length > MAX_NAME_LENGTH
      ? `is ${name.length} characters long (at most ${MAX_NAME_LENGTH})`
      : 'may hold only letters, digits and . _ - : / and must not start with . - : or /';
    throw new SquallError('KEY_NAME_INVALID', `key name ${JSON.stringify(name.slice(0, 80))} ${why}`, { field: 'name' });
  }
}

export function assertValueSize(text: string, name: string): void {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_VALUE_BYTES) {
    throw new SquallError('KEY_VALUE_TOO_LARGE', `the value of key ${name} is ${bytes} bytes, over the ${MAX_VALUE_BYTES}-byte limit`, { field: 'value' });
  }
}

/** 'system' | 'user', also accepting st2's 'st2kv.system' / 'st2kv.user' spellings. */
export function parseScope(given: string | undefined): KvScope {
  const s = (given ?? 'system').replace(/^st2kv\./, '');
  if (s === 'system' || s === 'user') return s;
  throw new SquallError('BAD_REQUEST', `scope must be system or user (got ${JSON.stringify(given)})`, { field: 'scope' });
}
