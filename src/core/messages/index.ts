export { countSmsSegments } from './countSmsSegments';
export type { SmsSegmentCount } from './countSmsSegments';
export { renderSmsCodeMessage } from './renderSmsCodeMessage';
export type { SmsCodeMessageInput } from './renderSmsCodeMessage';
