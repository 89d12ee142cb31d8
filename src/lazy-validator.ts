// An Ajv validator compiled on its first use: most schemas a node knows (API routes, sensor
// file kinds) are not needed in its first second, and compiling them all made start slow.
import type { Ajv, ErrorObject } from 'ajv';

export type Validator = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };

export function lazyValidator(ajv: Ajv, schema: object): Validator {
  let compiled: Validator | undefined;
  const validate: Validator = (data: unknown): boolean => {
    compiled ??= ajv.compile(schema);
    const ok = compiled(data);
    validate.errors = compiled.errors;
    return ok;
  };
  validate.errors = null;
  return validate;
}
