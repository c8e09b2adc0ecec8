import { createStepGuard, StepGuardConfigError } from '../../src';
import { createMemoryStores } from '../../src/stores';

describe('stores: { custom }', () => {
  it('a set missing ports is refused at start-up, naming each missing port and the fix', () => {
    const { recoveries: _r, enrolment: _e, ...older } = createMemoryStores();
    let error: unknown;
    try {
      createStepGuard({ environment: 'test', stores: { custom: older as never } });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(StepGuardConfigError);
    expect((error as Error).message).toMatch(/^stores\.custom: missing "recoveries", "enrolment"\. .*createMemoryStores\(\).*describeStoreContract/);
  });

  it('a complete set starts', () => {
    expect(() => createStepGuard({ environment: 'test', stores: { custom: createMemoryStores() } })).not.toThrow();
  });
});
