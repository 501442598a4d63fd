// Reading the answers of Takeone's first-admin setup endpoint
// (GET and POST /api/takeone/setup/{token}).

import { ClientResponseError, type RecordModel } from 'pocketbase';
import { describeError } from './errors';
import { strings } from './strings';

export type SetupCheck =
  | { state: 'ready' }
  /** The link is spent or wrong: show the server's explanation. */
  | { state: 'invalid'; message: string }
  /** The check itself failed (network, server error): offer a retry. */
  | { state: 'error'; message: string };

/** Interprets the body of a successful GET. */
export function setupCheckFromBody(body: unknown): SetupCheck {
  if (isObject(body) && body.valid === true) {
    return { state: 'ready' };
  }
  return { state: 'invalid', message: strings.setup.invalidFallback };
}

/**
 * Interprets a failed GET or POST. 403 and 404 mean the link cannot be used;
 * anything else is a problem worth retrying.
 */
export function setupCheckFromError(err: unknown): SetupCheck {
  if (isLinkRejected(err)) {
    const message = typeof err.response?.message === 'string' ? err.response.message.trim() : '';
    return { state: 'invalid', message: message || strings.setup.invalidFallback };
  }
  return { state: 'error', message: describeError(err).message };
}

export function isLinkRejected(err: unknown): err is ClientResponseError {
  return err instanceof ClientResponseError && !err.isAbort && (err.status === 403 || err.status === 404);
}

export interface AuthResult {
  token: string;
  record: RecordModel;
}

/** Reads the POST answer, shaped like PocketBase's auth-with-password answer. */
export function authFromSetupBody(body: unknown): AuthResult | null {
  if (!isObject(body) || typeof body.token !== 'string' || body.token === '' || !isObject(body.record)) {
    return null;
  }
  return { token: body.token, record: body.record as RecordModel };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
