export * from './types';
export { deriveAssurance, levelSatisfies } from './deriveAssurance';
export type { Assurance } from './deriveAssurance';
export { evaluateStepUp, acceptableFactorsFor } from './evaluateStepUp';
export type { StepUpEvaluation } from './evaluateStepUp';
export { usableFactorTimes, type FactorInstance } from './usableFactorTimes';
