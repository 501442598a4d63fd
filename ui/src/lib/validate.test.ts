import { describe, expect, it } from 'vitest';
import { hasErrors, MIN_PASSWORD_LENGTH, validateEmail, validateSetup, validateSignIn } from './validate';

const good = {
  name: 'Test Admin',
  email: 'admin@example.com',
  password: 'x'.repeat(MIN_PASSWORD_LENGTH),
  passwordConfirm: 'x'.repeat(MIN_PASSWORD_LENGTH),
};

describe('validateSetup', () => {
  it('accepts a complete form', () => {
    expect(hasErrors(validateSetup(good))).toBe(false);
  });

  it('requires every field', () => {
    const errors = validateSetup({ name: ' ', email: '', password: '', passwordConfirm: '' });
    expect(Object.keys(errors).sort()).toEqual(['email', 'name', 'password', 'passwordConfirm']);
  });

  it('rejects a password below the minimum length', () => {
    const short = 'x'.repeat(MIN_PASSWORD_LENGTH - 1);
    const errors = validateSetup({ ...good, password: short, passwordConfirm: short });
    expect(errors.password).toBeTruthy();
    expect(errors.passwordConfirm).toBeUndefined();
  });

  it('rejects passwords that differ', () => {
    const errors = validateSetup({ ...good, passwordConfirm: good.password + 'y' });
    expect(errors.passwordConfirm).toBeTruthy();
    expect(errors.password).toBeUndefined();
  });

  it('rejects something that is not an email address', () => {
    expect(validateSetup({ ...good, email: 'admin' }).email).toBeTruthy();
    expect(validateSetup({ ...good, email: 'admin@' }).email).toBeTruthy();
  });
});

describe('validateSignIn', () => {
  it('requires email and password', () => {
    expect(Object.keys(validateSignIn({ email: '', password: '' })).sort()).toEqual(['email', 'password']);
    expect(hasErrors(validateSignIn({ email: 'a@b.c', password: 'p' }))).toBe(false);
  });
});

describe('validateEmail', () => {
  it('asks for an email, then for one of the right shape', () => {
    expect(validateEmail(' ')).toMatch(/Enter your email/);
    expect(validateEmail('not-an-email')).toMatch(/like name@example.com/);
    expect(validateEmail('a@example.com')).toBeUndefined();
  });
});
