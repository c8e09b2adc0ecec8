/**
 * What a challenge stores instead of a code hash when the provider owns the code (Twilio
 * Verify). It can never equal an HMAC (those are hex), so a local comparison cannot match it.
 */
export function providerCodeMarker(providerName: string): string {
  return `provider:${providerName}`;
}

export function isProviderCodeMarker(codeHash: string): boolean {
  return codeHash.startsWith('provider:');
}
