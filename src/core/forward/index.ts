export { canonicalForwardedRequest, type ForwardedHeaders } from './canonicalForwardedRequest';
export { canonicalForwardedUrl, MAX_FORWARDED_URL_LENGTH } from './canonicalForwardedUrl';
export { canonicalForwardedParts } from './canonicalForwardedParts';
export { canonicalHost, type CanonicalHost } from './canonicalHost';
export { canonicalPath, type CanonicalPath } from './canonicalPath';
export { canonicalForwardAuthRule } from './canonicalForwardAuthRule';
export { forwardAuthActionFor } from './forwardAuthActionFor';
export type { CanonicalForwardedRequest, CanonicalForwardAuthRule, ForwardedRequestProblem } from './types';
