import { ClientResponseError } from 'pocketbase';
import { describe, expect, it } from 'vitest';
import { setupPath } from './api';
import { parseRoute } from './route';
import { authFromSetupBody, setupCheckFromBody, setupCheckFromError } from './setup';
import { strings } from './strings';

describe('setup link check', () => {
  it('shows the form only for {"valid": true}', () => {
    expect(setupCheckFromBody({ valid: true })).toEqual({ state: 'ready' });
    expect(setupCheckFromBody({ valid: false }).state).toBe('invalid');
    expect(setupCheckFromBody({}).state).toBe('invalid');
    expect(setupCheckFromBody(null).state).toBe('invalid');
  });

  it("shows the server's explanation for a rejected link", () => {
    const message = "This link is no longer valid. Find the current link in the server's log, or sign in.";
    for (const status of [403, 404]) {
      const err = new ClientResponseError({ status, response: { status, message } });
      expect(setupCheckFromError(err)).toEqual({ state: 'invalid', message });
    }
  });

  it('explains a rejected link even when the server sends no message', () => {
    const err = new ClientResponseError({ status: 404, response: {} });
    expect(setupCheckFromError(err)).toEqual({ state: 'invalid', message: strings.setup.invalidFallback });
  });

  it('offers a retry when the server cannot be reached', () => {
    const err = new ClientResponseError(new TypeError('Failed to fetch'));
    expect(setupCheckFromError(err)).toEqual({ state: 'error', message: strings.errors.network });
  });
});

describe('setup answer', () => {
  it('reads an auth-with-password shaped answer', () => {
    const record = { id: 'u1', collectionId: 'c', collectionName: 'users', name: 'Test Admin', role: 'admin' };
    expect(authFromSetupBody({ token: 'jwt', record })).toEqual({ token: 'jwt', record });
  });

  it('rejects answers without token or record', () => {
    expect(authFromSetupBody({ record: {} })).toBeNull();
    expect(authFromSetupBody({ token: '', record: {} })).toBeNull();
    expect(authFromSetupBody({ token: 'jwt' })).toBeNull();
    expect(authFromSetupBody('nope')).toBeNull();
  });
});

describe('setupPath', () => {
  it('sends the token from the page URL back unchanged', () => {
    const pagePath = '/setup/a%2Fb%20c';
    const route = parseRoute(pagePath);
    if (route.name !== 'setup') throw new Error('expected setup route');
    expect(setupPath(route.token)).toBe('/api/takeone/setup/a%2Fb%20c');
  });
});
