// Seeds a store with `n` ended executions of 20 actions (bench data only), in one set-based
// statement per backend so that a million rows take seconds, not minutes.
import { openStore } from '../src/store/index.js';

export async function seedExecutions(db: string, n: number): Promise<number> {
  const store = await openStore({ url: db });
  const t0 = performance.now();
  const base = Date.now() - n * 10;
  await store.tx(async (tx) => {
    const series = tx.dialect === 'postgres'
      ? 'select g as i from generate_series(1, $1) g'
      : 'with recursive s(i) as (select 1 union all select i + 1 from s where i < $1) select i from s';
    const hex = tx.dialect === 'postgres' ? "lpad(to_hex(i), 24, '0')" : "printf('%024x', i)";
    await tx.run(
      `insert into executions (id, action, runner_type, status, parameters, result, context, parent_id, created_at, start_timestamp, end_timestamp, updated_at, attempt)
       select ${hex}, 'bench.a' || (i % 20), 'noop', case when i % 10 = 0 then 'failed' else 'succeeded' end,
              '{}', '{}', '{}', null, cast($2 as bigint) + i * 10, cast($2 as bigint) + i * 10, cast($2 as bigint) + i * 10 + 5, cast($2 as bigint) + i * 10 + 5, 1
       from (${series}) s`,
      [n, base],
    );
  });
  await store.close();
  return (performance.now() - t0) / 1000;
}
