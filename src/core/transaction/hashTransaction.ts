import { createHmac } from 'node:crypto';

export type TransactionDetails = Record<string, string | number | boolean>;

/**
 * A keyed digest of a transaction's details, so that a step-up can be bound to exactly one
 * transaction. Keys are sorted, so `{a, b}` and `{b, a}` are the same transaction; keyed, so
 * that the store never holds a guessable hash of an amount and a payee.
 */
export function hashTransaction(key: string, action: string, details: TransactionDetails): string {
  const canonical = JSON.stringify([action, Object.keys(details).sort().map((k) => [k, details[k]])]);
  return createHmac('sha256', key).update(canonical).digest('base64url');
}
