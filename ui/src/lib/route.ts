// Maps location.pathname to one of the pages of the web UI. The server answers
// every one of these paths with the same index.html; the choice happens here.

export type Route =
  | { name: 'home' }
  | { name: 'setup'; token: string }
  | { name: 'candidate'; token: string }
  | { name: 'interview'; id: string }
  | { name: 'review'; id: string; candidate: string }
  | { name: 'team' }
  | { name: 'preview'; id: string }
  | { name: 'welcome'; token: string }
  | { name: 'notFound' };

const NOT_FOUND: Route = { name: 'notFound' };

/**
 * Parses a URL path. Trailing slashes are ignored; tokens are percent-decoded.
 * A query string or fragment, if present, is ignored.
 */
export function parseRoute(pathname: string): Route {
  let path = pathname.split(/[?#]/, 1)[0] ?? '';
  path = path.replace(/\/+$/, '');
  if (path === '' || path === '/index.html') {
    return { name: 'home' };
  }
  if (!path.startsWith('/')) {
    return NOT_FOUND;
  }

  if (path === '/team') {
    return { name: 'team' };
  }
  const segments = path.slice(1).split('/');
  if (segments.length === 4 && segments[0] === 'interviews' && segments[2] === 'candidates') {
    const id = decodeToken(segments[1] ?? '');
    const candidate = decodeToken(segments[3] ?? '');
    return id && candidate ? { name: 'review', id, candidate } : NOT_FOUND;
  }
  if (segments.length === 3 && segments[0] === 'interviews' && segments[2] === 'preview') {
    const id = decodeToken(segments[1] ?? '');
    return id ? { name: 'preview', id } : NOT_FOUND;
  }
  if (segments.length !== 2) {
    return NOT_FOUND;
  }
  const [section, rawToken] = segments as [string, string];
  const token = decodeToken(rawToken);
  if (token === null) {
    return NOT_FOUND;
  }

  switch (section) {
    case 'setup':
      return { name: 'setup', token };
    case 'i':
      return { name: 'candidate', token };
    case 'interviews':
      return { name: 'interview', id: token };
    case 'welcome':
      return { name: 'welcome', token };
    default:
      return NOT_FOUND;
  }
}

function decodeToken(raw: string): string | null {
  let token: string;
  try {
    token = decodeURIComponent(raw);
  } catch {
    return null; // malformed percent-encoding
  }
  return token.trim() === '' ? null : token;
}
