import { describe, expect, it } from 'vitest';
import { createRedactor, secretParameterValues } from './redact.js';

describe('createRedactor', () => {
  it('masks every occurrence in text, longest secret first', () => {
    const r = createRedactor(['hunter22', 'hunter22-extended']);
    expect(r.text('a hunter22-extended b hunter22 c')).toBe('a ******** b ******** c');
  });

  it('masks inside nested values and keys, leaving numbers and booleans', () => {
    const r = createRedactor(['p4ssw0rd']);
    expect(r.value({ list: ['x p4ssw0rd'], p4ssw0rd: 1, ok: true, n: 3 })).toEqual({ list: ['x ********'], '********': 1, ok: true, n: 3 });
  });

  it('ignores values shorter than 4 characters and treats regex characters literally', () => {
    const r = createRedactor(['on', 'a.b*c+']);
    expect(r.text('on and on, a.b*c+ but not aXbbc')).toBe('on and on, ******** but not aXbbc');
  });

  it('masks secrets added while running and the JSON form of non-string secrets', () => {
    const r = createRedactor();
    expect(r.text('later-secret')).toBe('later-secret');
    r.add('later-secret');
    r.add({ k: 'v1' });
    expect(r.text('later-secret {"k":"v1"}')).toBe('******** ********');
  });
});

describe('secretParameterValues', () => {
  it('picks the values of secret parameters', () => {
    expect(secretParameterValues({ a: { secret: true }, b: {}, c: { secret: true } }, { a: 'x1234', b: 'y', c: null })).toEqual(['x1234']);
  });
});
