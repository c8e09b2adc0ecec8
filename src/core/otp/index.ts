export { generateOtpCode } from './generateOtpCode';
export { hashOtpCode } from './hashOtpCode';
export { constantTimeEqual } from './constantTimeEqual';
export { resendDelaySeconds } from './resendDelaySeconds';
