/**
 * A phone number fit for screens, logs and audit records: the country code and the last two
 * digits stay, everything between becomes `•`. `+14155550123` -> `+1 •••••••23`.
 */
export function maskPhone(e164: string, countryCallingCode?: string): string {
  const digits = e164.replace(/\D/g, '');
  if (digits.length < 4) return '•'.repeat(digits.length);
  const cc = countryCallingCode && digits.startsWith(countryCallingCode) ? countryCallingCode : digits.slice(0, 1);
  const national = digits.slice(cc.length);
  return `+${cc} ${'•'.repeat(Math.max(0, national.length - 2))}${national.slice(-2)}`;
}
