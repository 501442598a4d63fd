import { describe, expect, it } from 'vitest';
import { brandStyle, contrast, luminance, parseHex } from './brand';

describe('brandStyle', () => {
  it('puts white text on a dark brand color and dark text on a light one', () => {
    expect(brandStyle('#0b6e4f')['--brand-text']).toBe('#ffffff');
    expect(brandStyle('#ffd500')['--brand-text']).toBe('#111418');
    expect(brandStyle('#fff')['--brand']).toBe('#ffffff');
  });
  it('keeps the default accent for what is not a color', () => {
    expect(brandStyle('')).toEqual({});
    expect(brandStyle('red; background: url(x)')).toEqual({});
  });
  it('always reaches WCAG AA contrast (4.5:1) for the button text', () => {
    for (let v = 0; v < 256; v += 15) {
      for (const hex of [`#${v.toString(16).padStart(2, '0')}0000`, `#00${v.toString(16).padStart(2, '0')}00`, `#0000${v.toString(16).padStart(2, '0')}`]) {
        const style = brandStyle(hex);
        const bg = luminance(parseHex(style['--brand'] ?? '') ?? [0, 0, 0]);
        const fg = luminance(parseHex(style['--brand-text'] ?? '') ?? [0, 0, 0]);
        expect(contrast(bg, fg), hex).toBeGreaterThanOrEqual(4.5);
      }
    }
  });
});
