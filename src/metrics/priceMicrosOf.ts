/** The price table of sms.pumping.spend: micro-units per message by country, `default` for the rest. */
export type SpendPrices = { priceMicros: Readonly<Record<string, number>> };

/** What one message to `country` costs, as the spend caps count it (0 when no price is set). */
export function priceMicrosOf(prices: SpendPrices, country: string | null): number {
  return (country ? prices.priceMicros[country] : undefined) ?? prices.priceMicros.default ?? 0;
}
