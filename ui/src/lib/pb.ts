// The one PocketBase client of the team UI, talking to the same origin that
// served the page.
//
// It is created on first use rather than at import time: the client reads the
// saved sign-in from localStorage as soon as it exists, and candidate pages
// must never touch the team's auth state.

import PocketBase from 'pocketbase';

let client: PocketBase | null = null;

export function pb(): PocketBase {
  if (client === null) {
    client = new PocketBase('/');
    // Requests here are started by people, one at a time; the SDK's
    // cancellation of duplicate requests would only surface as odd errors.
    client.autoCancellation(false);
  }
  return client;
}
