export { formFieldsOf, type FormFieldsResult } from './formFieldsOf';
export { FORM_STASH_LIMITS } from './formStashLimits';
export { isSecretFieldName } from './isSecretFieldName';
export { openFormStash, type OpenFormStashResult } from './openFormStash';
export { sealFormStash, type FormStashInput } from './sealFormStash';
export type { FormField, FormStashBinding, SealedFormStash, StashedForm, StashedMethod } from './types';
