import type { z } from 'zod';

export type ParsedBody<T> = { ok: true; value: T } | { ok: false; details: { field: string; problem: string } };

/**
 * Checks a request body against its schema. The first problem is reported by field name so the
 * client can fix it; nothing downstream ever sees an unchecked body.
 */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown): ParsedBody<T> {
  const result = schema.safeParse(body ?? {});
  if (result.success) return { ok: true, value: result.data };
  const issue = result.error.issues[0];
  if (!issue) return { ok: false, details: { field: '(body)', problem: 'invalid' } };
  const unknownKeys = issue.code === 'unrecognized_keys' ? (issue as { keys?: string[] }).keys : undefined;
  const field = unknownKeys?.[0] ?? (issue.path.length ? issue.path.map(String).join('.') : '(body)');
  const problem = unknownKeys ? 'is not an accepted field' : issue.message;
  return { ok: false, details: { field, problem } };
}
