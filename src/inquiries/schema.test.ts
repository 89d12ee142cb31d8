import { describe, expect, it } from 'vitest';
import { hasCode } from '../errors.js';
import { compileResponseSchema, DEFAULT_SCHEMA, maskSecretResponse, toDraft7 } from './schema.js';

const refusal = (schema: unknown, response: unknown) => {
  try {
    compileResponseSchema(schema)(response);
    return null;
  } catch (err) {
    if (!hasCode(err, 'INQUIRY_RESPONSE_INVALID')) throw err;
    return { message: err.message, field: err.where.field };
  }
};

describe('inquiry response schema', () => {
  it("lifts st2's property-level required into a required list, nested too, and drops secret", () => {
    const st2 = {
      type: 'object',
      required: ['a'],
      properties: {
        a: { type: 'string' },
        b: { type: 'string', required: true, secret: true },
        c: { type: 'object', properties: { d: { type: 'integer', required: true } } },
        required: { type: 'boolean', required: false },
      },
    };
    expect(toDraft7(st2)).toEqual({
      type: 'object',
      required: ['a', 'b'],
      properties: {
        a: { type: 'string' },
        b: { type: 'string' },
        c: { type: 'object', properties: { d: { type: 'integer' } }, required: ['d'] },
        required: { type: 'boolean' },
      },
    });
  });

  it('checks answers against the default schema, naming the field', () => {
    expect(refusal(DEFAULT_SCHEMA, { continue: true })).toBeNull();
    expect(refusal(DEFAULT_SCHEMA, {})).toEqual({ message: expect.stringContaining('response.continue is required'), field: 'response.continue' });
    expect(refusal(DEFAULT_SCHEMA, { continue: 'yes' })).toMatchObject({ field: 'response.continue', message: expect.stringContaining('must be boolean') });
  });

  it('fills in defaults as st2 does, and refuses a schema that is not one', () => {
    const answer: Record<string, unknown> = { ok: true };
    compileResponseSchema({ type: 'object', properties: { ok: { type: 'boolean' }, why: { type: 'string', default: 'none' } } })(answer);
    expect(answer).toEqual({ ok: true, why: 'none' });
    expect(() => compileResponseSchema({ type: 'nope' })).toThrow(/schema: not a valid JSON schema/);
  });

  it('masks secret fields of a response, at any depth', () => {
    const schema = { properties: { user: { type: 'string' }, pass: { secret: true }, db: { properties: { key: { secret: true } } } } };
    expect(maskSecretResponse(schema, { user: 'u', pass: 'p', db: { key: 'k', host: 'h' } }))
      .toEqual({ user: 'u', pass: '********', db: { key: '********', host: 'h' } });
  });
});
