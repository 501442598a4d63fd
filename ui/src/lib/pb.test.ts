import { afterEach, describe, expect, it, vi } from 'vitest';

describe('pb', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.resetModules();
  });

  it('does not read the saved sign-in until first used', async () => {
    const getItem = vi.fn(() => null);
    const storage = { getItem, setItem: vi.fn(), removeItem: vi.fn() };
    vi.stubGlobal('window', { localStorage: storage, addEventListener: vi.fn(), location: { origin: 'http://x' } });

    const { pb } = await import('./pb');
    expect(getItem).not.toHaveBeenCalled();

    const client = pb();
    void client.authStore.token;
    expect(getItem).toHaveBeenCalled();
  });

  it('creates a single client for the same origin', async () => {
    vi.stubGlobal('window', { location: { origin: 'https://takeone.example' } });
    const { pb } = await import('./pb');
    expect(pb()).toBe(pb());
    expect(pb().buildURL('/api/health')).toBe('https://takeone.example/api/health');
  });
});
