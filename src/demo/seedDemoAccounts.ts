import type { StepGuard } from '../index';
import type { DemoUserStore } from './DemoUserStore';

/** The demo's published account (DESIGN.md §9); seeded outside production only. */
export const DEMO_ACCOUNT = { username: 'alice', password: 'alice-demo-password', phone: '+14155550123' };

/**
 * The demo's operator for the console at /admin/2fa. No second factor at first: signed in, it adds
 * a passkey on /auth/2fa/factors with its fresh password (the first factor of an account starts no
 * cool-off), then steps up with it to open the console.
 */
export const DEMO_OPERATOR = { username: 'olivia', password: 'olivia-demo-password' };

/**
 * Seeds `alice` with her number already bound, and `bench-1..N` (password `bench-password-123`)
 * for load tests. Their passwords are public and their numbers were never proven, which is why
 * createDemoApp never calls this under NODE_ENV=production.
 */
export async function seedDemoAccounts(guard: StepGuard, users: DemoUserStore, benchUsers: number): Promise<void> {
  const alice = await users.create(DEMO_ACCOUNT.username, DEMO_ACCOUNT.password);
  // The demo's user ids restart at u1 with each process; with MongoDB a binding may already exist.
  if (alice && !(await guard.service.phoneBindingOf(alice.id))) await guard.service.bindPhoneUnchecked(alice.id, DEMO_ACCOUNT.phone);
  await users.create(DEMO_OPERATOR.username, DEMO_OPERATOR.password);

  for (let i = 1; i <= Math.min(benchUsers, 900); i += 1) {
    const user = await users.create(`bench-${i}`, 'bench-password-123');
    // Fictional 555-01xx numbers across area codes, one per account.
    const area = 201 + Math.floor((i - 1) / 100);
    if (user) await guard.service.bindPhoneUnchecked(user.id, `+1${area}55501${String((i - 1) % 100).padStart(2, '0')}`);
  }
}
