import { parse } from 'yaml';
import { expect, it } from 'vitest';
import { PYYAML } from './pyyaml.js';

it('reads booleans as PyYAML does: yes/no/on/off, never y/n', () => {
  expect(parse('n: 1\ny: y\nyes: 3\nx: on\nz: No\nt: true', PYYAML)).toEqual({ n: 1, y: 'y', true: 3, x: true, z: false, t: true });
});
