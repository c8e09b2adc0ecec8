/**
 * The locale to write in: the user's own setting when we have a template for it, then the
 * best match in `Accept-Language` (by q-value; `pt-BR` falls back to `pt`), then the default.
 */
export function resolveLocale(input: {
  userLocale?: string | undefined;
  acceptLanguage?: string | undefined;
  available: readonly string[];
  defaultLocale: string;
}): string {
  const match = (tag: string): string | undefined => {
    const lower = tag.trim().toLowerCase();
    if (!lower || lower === '*') return undefined;
    const exact = input.available.find((l) => l.toLowerCase() === lower);
    if (exact) return exact;
    const primary = lower.split('-')[0];
    return input.available.find((l) => l.toLowerCase() === primary);
  };
  const fromUser = input.userLocale ? match(input.userLocale) : undefined;
  if (fromUser) return fromUser;
  const ranked = (input.acceptLanguage ?? '')
    .slice(0, 512)
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.split(';');
      const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find(Boolean);
      return { tag, q: q === undefined ? 1 : Number(q), index };
    })
    .filter((entry) => Number.isFinite(entry.q) && entry.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const entry of ranked) {
    const found = match(entry.tag);
    if (found) return found;
  }
  return input.defaultLocale;
}
