import { parseStepGuardOptions } from '../../src/config';
import { StepGuardConfigError } from '../../src/errors';

describe('forms options', () => {
  it('default to stepguard\'s own CSRF field and token', () => {
    const config = parseStepGuardOptions({ environment: 'test' });
    expect(config.forms).toEqual({ csrfField: '_csrf', csrfToken: undefined });
  });

  it('take the host\'s CSRF field and token hook', () => {
    const csrfToken = () => 'token';
    expect(parseStepGuardOptions({ environment: 'test', forms: { csrfField: 'authenticity_token', csrfToken } }).forms).toEqual({ csrfField: 'authenticity_token', csrfToken });
  });

  it.each([
    [{ csrfField: 'a b' }, /forms\.csrfField: must be a form field name/],
    [{ csrfField: '' }, /forms\.csrfField/],
    [{ csrfToken: 'x' }, /forms\.csrfToken: must be a function/],
    [{ csrfFeild: '_csrf' }, /forms\.csrfFeild: unknown option\. Did you mean `csrfField`\?/],
  ])('refuse %j, naming the option', (forms, message) => {
    expect(() => parseStepGuardOptions({ environment: 'test', forms: forms as never })).toThrow(StepGuardConfigError);
    expect(() => parseStepGuardOptions({ environment: 'test', forms: forms as never })).toThrow(message);
  });
});
