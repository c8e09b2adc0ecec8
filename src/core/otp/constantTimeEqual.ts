import { timingSafeEqual } from 'node:crypto';

/**
 * Compares two strings in time that does not depend on where they differ, nor on whether the
 * lengths match: one pass of `timingSafeEqual` over `a`'s bytes, against `b` when the byte
 * lengths match and against `a` itself when they do not (then the answer is false).
 * The work therefore depends only on the two lengths, never on the content, and a wrong-length
 * guess costs what a right-length one does. No hashing (issue 12: it hashed both sides before).
 */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  const sameLength = left.length === right.length;
  return timingSafeEqual(left, sameLength ? right : left) && sameLength;
}
