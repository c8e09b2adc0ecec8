import type { PolicyRule } from './types';

/**
 * The rules stepguard applies out of the box (DESIGN.md §4). Order matters only for the order
 * of reasons shown; effects combine by tightening.
 */
export function defaultRules(options: { largeTransferAmount: number }): PolicyRule[] {
  return [
    {
      name: 'ip-deny-list',
      when: { signal: 'ipDenied' },
      then: [{ type: 'deny' }],
      reason: 'Sign-in from your network is blocked. Contact support if you think this is a mistake.',
    },
    {
      name: 'new-device-new-country',
      when: { all: [{ signal: 'newDevice' }, { signal: 'newCountry' }] },
      then: [{ type: 'remove_factors', factors: ['sms'] }],
      score: 40,
      reason: 'You are signing in from a new device in a new country, so we need an authenticator app or a passkey.',
    },
    {
      name: 'impossible-travel',
      when: { signal: 'impossibleTravel' },
      then: [{ type: 'remove_factors', factors: ['sms'] }],
      score: 50,
      reason: 'This sign-in comes from too far away, too soon after your last one, so we need an authenticator app or a passkey.',
    },
    {
      name: 'sim-swap',
      when: { signal: 'simSwapRecent' },
      then: [{ type: 'remove_factors', factors: ['sms'] }],
      score: 50,
      reason: 'Your mobile carrier reports a recent SIM change, so a text message is not enough right now.',
    },
    {
      name: 'phone-cool-off',
      when: { signal: 'phoneChangedRecently' },
      highRiskOnly: true,
      then: [{ type: 'remove_factors', factors: ['sms'] }],
      reason: 'Your phone number changed recently, so a text message cannot approve this yet.',
    },
    {
      name: 'tor-exit',
      when: { signal: 'torExit' },
      then: [{ type: 'remove_factors', factors: ['sms'] }],
      score: 30,
      reason: 'You are connecting through an anonymising network, so we need an authenticator app or a passkey.',
    },
    {
      name: 'backup-code-recent',
      when: { signal: 'backupCodeUsedRecently' },
      highRiskOnly: true,
      then: [{ type: 'remove_factors', factors: ['sms'] }],
      reason: 'A backup code was used recently, so this needs an authenticator app or a passkey.',
    },
    {
      name: 'repeated-failures',
      when: { signal: 'consecutiveFailures', atLeast: 3 },
      then: [{ type: 'require_step_up' }, { type: 'max_age', seconds: 300 }],
      reason: 'There were several failed attempts on your account, so we need a fresh check.',
    },
    {
      name: 'large-transfer',
      when: { signal: 'transactionAmount', atLeast: options.largeTransferAmount },
      actions: ['transfer'],
      then: [{ type: 'require_strongest_available' }],
      score: 20,
      reason: 'Large transfers need your strongest factor: a passkey if you have one, otherwise an authenticator app.',
    },
  ];
}
