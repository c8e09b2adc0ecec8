export * from './types';
export { evaluatePolicy, conditionHolds } from './evaluatePolicy';
export type { EvaluatePolicyInput } from './evaluatePolicy';
export { defaultRules } from './defaultRules';
export { validatePolicyRules } from './validatePolicyRules';
