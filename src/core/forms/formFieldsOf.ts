import { FORM_STASH_LIMITS } from './formStashLimits';
import type { FormField } from './types';

export type FormFieldsResult =
  | { ok: true; fields: FormField[] }
  | { ok: false; reason: 'not_a_form' | 'too_large' | 'too_many_fields' };

/**
 * The fields of a parsed urlencoded body (`express.urlencoded`) as ordered pairs, without the
 * CSRF field: a flat form only (string values, or arrays of strings for a repeated name), at
 * most `maxFields` fields and `maxFieldBytes` of names and values (UTF-8). Anything else (a
 * nested `extended: true` body, a file, more) is not re-submittable as sent and is refused.
 */
export function formFieldsOf(
  body: unknown,
  options: { csrfField: string; maxFieldBytes?: number; maxFields?: number },
): FormFieldsResult {
  const { csrfField, maxFieldBytes = FORM_STASH_LIMITS.maxFieldBytes, maxFields = FORM_STASH_LIMITS.maxFields } = options;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { ok: false, reason: 'not_a_form' };
  const proto: unknown = Object.getPrototypeOf(body);
  if (proto !== Object.prototype && proto !== null) return { ok: false, reason: 'not_a_form' };
  const fields: FormField[] = [];
  let bytes = 0;
  for (const [name, value] of Object.entries(body as Record<string, unknown>)) {
    if (name === csrfField) continue;
    const values = Array.isArray(value) ? value : [value];
    for (const v of values) {
      if (typeof v !== 'string') return { ok: false, reason: 'not_a_form' };
      fields.push([name, v]);
      if (fields.length > maxFields) return { ok: false, reason: 'too_many_fields' };
      bytes += Buffer.byteLength(name, 'utf8') + Buffer.byteLength(v, 'utf8');
      if (bytes > maxFieldBytes) return { ok: false, reason: 'too_large' };
    }
  }
  return { ok: true, fields };
}
