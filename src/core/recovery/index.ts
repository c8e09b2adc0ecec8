export { planRecovery, type RecoveryPlan, type RecoveryPolicy, type RecoveryRiskSignals } from './planRecovery';
export { noticeDate } from './noticeDate';
