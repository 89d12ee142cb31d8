// SQL for pack configuration (schema and values, as JSON text).
import type { Tx } from './types.js';

export interface PackConfigRow {
  pack: string;
  config_schema: string;
  config_values: string;
  updated_at: number;
}

export async function upsertPackConfig(tx: Tx, r: PackConfigRow): Promise<void> {
  await tx.run(
    `insert into pack_configs (pack, config_schema, config_values, updated_at) values ($1, $2, $3, $4)
     on conflict (pack) do update set config_schema = excluded.config_schema, config_values = excluded.config_values, updated_at = excluded.updated_at`,
    [r.pack, r.config_schema, r.config_values, r.updated_at]);
}

export function getPackConfig(tx: Tx, pack: string): Promise<PackConfigRow | undefined> {
  return tx.get<PackConfigRow>('select * from pack_configs where pack = $1', [pack]);
}

export function listPackConfigs(tx: Tx): Promise<PackConfigRow[]> {
  return tx.all<PackConfigRow>('select * from pack_configs order by pack');
}

export function deletePackConfig(tx: Tx, pack: string): Promise<number> {
  return tx.run('delete from pack_configs where pack = $1', [pack]);
}
