export { countSmsSegments } from './countSmsSegments';
export type { SmsSegmentCount } from './countSmsSegments';
export { renderSmsCodeMessage, renderVoiceCodeMessage, renderSmsNotice } from './renderSmsCodeMessage';
export type { SmsCodeMessageInput } from './renderSmsCodeMessage';
export { foldToGsm7 } from './foldToGsm7';
export { resolveLocale } from './resolveLocale';
export { BUILT_IN_TEMPLATES, DEFAULT_LOCALE, fillTemplate } from './smsTemplates';
export type { SmsTemplateSet } from './smsTemplates';
