/**
 * `value` as plain data: records become plain objects without their `undefined` fields, at any
 * depth. Adapters may return class instances, null-prototype objects or absent-vs-undefined
 * fields; the contract compares the data, as jest's `toEqual` did.
 */
export function toPlainData(value: unknown): unknown {
  if (Array.isArray(value)) return Array.from(value, toPlainData);
  if (!isRecord(value)) return value;
  const plain: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    if (field !== undefined) plain[key] = toPlainData(field);
  }
  return plain;
}

/** An object that is a bag of fields (not an array, Date, Map, Buffer...). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.prototype.toString.call(value) === '[object Object]';
}
