import { describe, expect, it } from 'vitest';
import { browserFamily, loudness, problemOf } from './media';

describe('problemOf', () => {
  it('tells a blocked permission from a missing or busy device', () => {
    expect(problemOf(new DOMException('x', 'NotAllowedError'))).toBe('denied');
    expect(problemOf(new DOMException('x', 'NotFoundError'))).toBe('notFound');
    expect(problemOf(new DOMException('x', 'NotReadableError'))).toBe('inUse');
    expect(problemOf(new Error('x'))).toBe('other');
  });
});

describe('browserFamily', () => {
  it('knows where each browser keeps the camera permission', () => {
    expect(browserFamily('Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 CriOS/120 Mobile Safari/604.1')).toBe('safari-ios');
    expect(browserFamily('Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/120 Mobile Safari/537.36')).toBe('chrome-android');
    expect(browserFamily('Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0')).toBe('firefox');
    expect(browserFamily('Mozilla/5.0 (Macintosh) AppleWebKit/605.1.15 Version/17.0 Safari/605.1.15')).toBe('safari');
    expect(browserFamily('Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 Chrome/120 Safari/537.36 Edg/120')).toBe('chromium');
  });
});

describe('loudness', () => {
  it('is 0 for silence and grows with the signal, capped at 1', () => {
    expect(loudness(new Float32Array(512))).toBe(0);
    const quiet = new Float32Array(512).fill(0.02);
    const loud = new Float32Array(512).fill(0.5);
    expect(loudness(quiet)).toBeGreaterThan(0);
    expect(loudness(loud)).toBe(1);
  });
});
