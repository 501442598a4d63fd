// Paths of Takeone's own HTTP endpoints (the rest is PocketBase's API, which
// the SDK addresses itself).

export function setupPath(token: string): string {
  return `/api/takeone/setup/${encodeURIComponent(token)}`;
}

/** The body of POST /api/takeone/setup/{token}. */
export interface SetupRequest {
  name: string;
  email: string;
  password: string;
  passwordConfirm: string;
}
