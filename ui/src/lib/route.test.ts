import { describe, expect, it } from 'vitest';
import { parseRoute } from './route';

describe('parseRoute', () => {
  it('maps the root to the team start page', () => {
    expect(parseRoute('/')).toEqual({ name: 'home' });
    expect(parseRoute('')).toEqual({ name: 'home' });
    expect(parseRoute('/index.html')).toEqual({ name: 'home' });
  });

  it('reads the setup token', () => {
    expect(parseRoute('/setup/abc123')).toEqual({ name: 'setup', token: 'abc123' });
  });

  it('reads the candidate token', () => {
    expect(parseRoute('/i/tok-9_Z')).toEqual({ name: 'candidate', token: 'tok-9_Z' });
  });

  it('reads an interview of the team', () => {
    expect(parseRoute('/interviews/abc123def456ghi')).toEqual({ name: 'interview', id: 'abc123def456ghi' });
  });

  it("reads a candidate's answers page", () => {
    expect(parseRoute('/interviews/abc/candidates/xyz')).toEqual({ name: 'review', id: 'abc', candidate: 'xyz' });
    expect(parseRoute('/interviews/abc/people/xyz')).toEqual({ name: 'notFound' });
  });

  it("reads the team page and a new member's welcome link", () => {
    expect(parseRoute('/team')).toEqual({ name: 'team' });
    expect(parseRoute('/welcome/a.b.c')).toEqual({ name: 'welcome', token: 'a.b.c' });
  });

  it("reads an interview's preview", () => {
    expect(parseRoute('/interviews/abc/preview')).toEqual({ name: 'preview', id: 'abc' });
  });

  it('ignores trailing slashes', () => {
    expect(parseRoute('/setup/abc123/')).toEqual({ name: 'setup', token: 'abc123' });
    expect(parseRoute('/i/xyz//')).toEqual({ name: 'candidate', token: 'xyz' });
    expect(parseRoute('//')).toEqual({ name: 'home' });
  });

  it('percent-decodes tokens, so that encoding them again gives the same URL', () => {
    const token = 'a b/c+d=é';
    const route = parseRoute(`/setup/${encodeURIComponent(token)}`);
    expect(route).toEqual({ name: 'setup', token });
    expect(parseRoute('/i/%41%42')).toEqual({ name: 'candidate', token: 'AB' });
  });

  it('ignores a query string or fragment', () => {
    expect(parseRoute('/i/tok?x=1#top')).toEqual({ name: 'candidate', token: 'tok' });
  });

  it('treats missing, blank or malformed tokens as unknown pages', () => {
    for (const path of ['/setup', '/setup/', '/i', '/i/', '/i/%20', '/setup/%E0%A4%A', '/i/%']) {
      expect(parseRoute(path), path).toEqual({ name: 'notFound' });
    }
  });

  it('treats other paths as unknown pages', () => {
    for (const path of [
      '/nope',
      '/setup/a/b',
      '/i/a/b',
      '/setup//abc',
      '/Setup/abc',
      '/api/takeone/setup/abc',
      '/x/abc',
      'setup/abc',
    ]) {
      expect(parseRoute(path), path).toEqual({ name: 'notFound' });
    }
  });
});
