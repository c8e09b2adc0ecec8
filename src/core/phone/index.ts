export { maskPhone } from './maskPhone';
export { normalizePhone } from './normalizePhone';
export type { NormalizedPhone, NormalizePhoneResult } from './normalizePhone';
export { hashPhone } from './hashPhone';
