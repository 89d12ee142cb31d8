// SQL for API keys (stored as SHA-256 hashes; the key itself is shown once).
import type { Tx } from './types.js';

export interface ApiKeyRow {
  id: string;
  username: string;
  enabled: number;
  created_at: number;
}

export async function insertApiKey(tx: Tx, id: string, hash: string, username: string, now: number): Promise<void> {
  await tx.run('insert into api_keys (id, key_hash, username, enabled, created_at) values ($1, $2, $3, 1, $4)', [id, hash, username, now]);
}

export async function findApiKeyByHash(tx: Tx, hash: string): Promise<ApiKeyRow | undefined> {
  return tx.get<ApiKeyRow>('select id, username, enabled, created_at from api_keys where key_hash = $1', [hash]);
}
