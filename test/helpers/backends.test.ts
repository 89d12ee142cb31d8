import { expect, it } from 'vitest';
import { describeBackends } from './backends.js';

describeBackends('test backends helper', ({ backend, open }) => {
  it('opens a fresh, migrated store per call', async () => {
    const a = await open();
    const b = await open();
    expect(a.dialect).toBe(backend);
    await a.tx((tx) => tx.run(`insert into packs (name, version, metadata, registered_at) values ($1, $2, $3, $4)`, ['p', '1', '{}', 1]));
    expect(await a.read((tx) => tx.all('select name from packs'))).toEqual([{ name: 'p' }]);
    expect(await b.read((tx) => tx.all('select name from packs'))).toEqual([]);
    await a.close();
    await a.close();
  });
});
