import { TSchema, Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/** A validation failure naming the first offending field. */
export interface ValidationFailure {
  path: string;
  message: string;
}

/**
 * Checks `value` against `schema`. Uses TypeBox's interpreter (not its
 * compiler) so it runs under JupyterLab's content security policy too.
 */
export function validate<S extends TSchema>(
  schema: S,
  value: unknown
): { ok: true; value: Static<S> } | { ok: false; error: ValidationFailure } {
  if (Value.Check(schema, value)) {
    return { ok: true, value };
  }
  const first = Value.Errors(schema, value).First();
  return {
    ok: false,
    error: { path: first?.path || '/', message: first?.message ?? 'invalid value' }
  };
}
