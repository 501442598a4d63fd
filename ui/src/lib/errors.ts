// Turns failed requests into messages a person can act on. Every request goes
// through the PocketBase SDK, which rejects with a ClientResponseError: status 0
// when the server could not be reached, otherwise the HTTP status with the
// server's JSON body ({"status", "message", "data": {field: {code, message}}}).

import { ClientResponseError } from 'pocketbase';
import { strings } from './strings';

export interface ErrorInfo {
  /** The message for the top of the form or page. */
  message: string;
  /** Messages for single fields, by the field's name in the request body. */
  fields: Record<string, string>;
}

export function describeError(err: unknown): ErrorInfo {
  if (!(err instanceof ClientResponseError)) {
    return { message: strings.errors.unexpected, fields: {} };
  }
  if (err.isAbort) {
    return { message: strings.errors.aborted, fields: {} };
  }

  const serverMessage = messageOf(err.response);
  switch (true) {
    case err.status === 0:
      return { message: strings.errors.network, fields: {} };
    case err.status === 400:
      return {
        message: serverMessage || strings.errors.checkFields,
        fields: fieldMessages(err.response),
      };
    case err.status === 401:
      return { message: strings.errors.sessionExpired, fields: {} };
    case err.status === 403:
      return { message: serverMessage || strings.errors.notAllowed, fields: {} };
    case err.status === 404:
      return { message: serverMessage || strings.errors.notFound, fields: {} };
    case err.status === 429:
      return { message: strings.errors.tooMany, fields: {} };
    case err.status >= 500:
      return { message: strings.errors.server, fields: {} };
    default:
      return { message: serverMessage || strings.errors.unexpected, fields: {} };
  }
}

/**
 * Sign-in errors: PocketBase answers wrong credentials with a 400 and a terse
 * "Failed to authenticate.", which reads better in plain words.
 */
export function describeSignInError(err: unknown): ErrorInfo {
  if (err instanceof ClientResponseError && !err.isAbort && err.status === 400) {
    return { message: strings.signIn.wrongCredentials, fields: {} };
  }
  return describeError(err);
}

/** True when the error means the saved sign-in is no longer accepted. */
export function isAuthRejected(err: unknown): boolean {
  return (
    err instanceof ClientResponseError &&
    !err.isAbort &&
    (err.status === 401 || err.status === 403 || err.status === 404)
  );
}

function messageOf(body: unknown): string {
  if (isObject(body) && typeof body.message === 'string') {
    return body.message.trim();
  }
  return '';
}

function fieldMessages(body: unknown): Record<string, string> {
  const fields: Record<string, string> = {};
  if (!isObject(body) || !isObject(body.data)) {
    return fields;
  }
  for (const [name, detail] of Object.entries(body.data)) {
    if (isObject(detail)) {
      fields[name] = messageOf(detail) || strings.errors.invalidField;
    } else if (typeof detail === 'string' && detail.trim() !== '') {
      fields[name] = detail.trim();
    }
  }
  return fields;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
