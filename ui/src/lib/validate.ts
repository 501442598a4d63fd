// Checks done in the browser before a form is sent. The server checks the same
// things again; these only save a round trip and give quicker feedback.

import { strings } from './strings';

/** The server enforces the same minimum for team passwords. */
export const MIN_PASSWORD_LENGTH = 10;

export type FieldErrors<K extends string> = Partial<Record<K, string>>;

export interface SignInForm {
  email: string;
  password: string;
}

export interface SetupForm {
  name: string;
  email: string;
  password: string;
  passwordConfirm: string;
}

const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+$/;

/** The email alone, for asking for a sign-in code. */
export function validateEmail(email: string): string | undefined {
  if (email.trim() === '') return strings.validation.required(strings.fields.email);
  if (!EMAIL_SHAPE.test(email.trim())) return strings.validation.email;
  return undefined;
}

export function validateSignIn(form: SignInForm): FieldErrors<keyof SignInForm> {
  const errors: FieldErrors<keyof SignInForm> = {};
  if (form.email.trim() === '') {
    errors.email = strings.validation.required(strings.fields.email);
  }
  if (form.password === '') {
    errors.password = strings.validation.required(strings.fields.password);
  }
  return errors;
}

export function validateSetup(form: SetupForm): FieldErrors<keyof SetupForm> {
  const errors: FieldErrors<keyof SetupForm> = {};
  if (form.name.trim() === '') {
    errors.name = strings.validation.required(strings.fields.name);
  }
  if (form.email.trim() === '') {
    errors.email = strings.validation.required(strings.fields.email);
  } else if (!EMAIL_SHAPE.test(form.email.trim())) {
    errors.email = strings.validation.email;
  }
  if (form.password === '') {
    errors.password = strings.validation.required(strings.fields.password);
  } else if ([...form.password].length < MIN_PASSWORD_LENGTH) {
    errors.password = strings.validation.passwordTooShort(MIN_PASSWORD_LENGTH);
  }
  if (form.passwordConfirm === '') {
    errors.passwordConfirm = strings.validation.confirmRequired;
  } else if (form.password !== '' && form.passwordConfirm !== form.password) {
    errors.passwordConfirm = strings.validation.passwordMismatch;
  }
  return errors;
}

export function hasErrors(errors: Record<string, string | undefined>): boolean {
  return Object.values(errors).some((message) => !!message);
}
