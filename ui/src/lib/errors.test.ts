import { ClientResponseError } from 'pocketbase';
import { describe, expect, it } from 'vitest';
import { describeError, describeSignInError, isAuthRejected } from './errors';
import { strings } from './strings';

// Builds the error the SDK throws for a response with this status and body.
function responseError(status: number, body: Record<string, unknown> = {}): ClientResponseError {
  return new ClientResponseError({ url: 'http://localhost/api/x', status, response: body });
}

// Builds the error the SDK throws when fetch itself fails.
function networkError(): ClientResponseError {
  return new ClientResponseError(new TypeError('Failed to fetch'));
}

describe('describeError', () => {
  it('explains an unreachable server without technical detail', () => {
    const err = networkError();
    expect(err.status).toBe(0);
    const info = describeError(err);
    expect(info.message).toBe(strings.errors.network);
    expect(info.message).not.toContain('fetch');
    expect(info.fields).toEqual({});
  });

  it('passes on the per-field messages of a 400 with the general message', () => {
    const info = describeError(
      responseError(400, {
        status: 400,
        message: 'Failed to create record.',
        data: {
          email: { code: 'validation_invalid_email', message: 'Must be a valid email address.' },
          password: { code: 'validation_length_out_of_range', message: 'The length must be between 10 and 71.' },
        },
      }),
    );
    expect(info.message).toBe('Failed to create record.');
    expect(info.fields).toEqual({
      email: 'Must be a valid email address.',
      password: 'The length must be between 10 and 71.',
    });
  });

  it('still flags a field whose error carries no message', () => {
    const info = describeError(responseError(400, { message: '', data: { name: { code: 'x' } } }));
    expect(info.fields.name).toBeTruthy();
    expect(info.message).toBeTruthy();
  });

  it("shows the server's message for 403 and 404", () => {
    const message = "This setup link has expired. Find the current link in the server's log.";
    expect(describeError(responseError(403, { status: 403, message, data: {} })).message).toBe(message);
    expect(describeError(responseError(404, { status: 404, message, data: {} })).message).toBe(message);
  });

  it('falls back to a readable message when the body has none', () => {
    for (const status of [403, 404, 409, 500, 502]) {
      const info = describeError(responseError(status));
      expect(info.message, String(status)).toBeTruthy();
      expect(info.fields).toEqual({});
    }
  });

  it('does not show raw server internals for 5xx', () => {
    const info = describeError(responseError(500, { message: 'sql: database is locked' }));
    expect(info.message).not.toContain('sql');
  });

  it('handles errors that did not come from the SDK', () => {
    expect(describeError(new Error('boom')).message).toBe(strings.errors.unexpected);
    expect(describeError(undefined).message).toBe(strings.errors.unexpected);
  });
});

describe('describeSignInError', () => {
  it('words wrong credentials plainly', () => {
    const err = responseError(400, { status: 400, message: 'Failed to authenticate.', data: {} });
    expect(describeSignInError(err)).toEqual({ message: strings.signIn.wrongCredentials, fields: {} });
  });

  it('keeps the network message for an unreachable server', () => {
    expect(describeSignInError(networkError()).message).toBe(strings.errors.network);
  });
});

describe('isAuthRejected', () => {
  it('is true only when the server refused the saved sign-in', () => {
    expect(isAuthRejected(responseError(401))).toBe(true);
    expect(isAuthRejected(responseError(404))).toBe(true);
    expect(isAuthRejected(networkError())).toBe(false);
    expect(isAuthRejected(responseError(500))).toBe(false);
  });
});
