// The interview's brand color on buttons and accents, with readable text on
// it: white or near-black, whichever has the higher contrast (WCAG 2).

const DARK_TEXT = '#111418';
const LIGHT_TEXT = '#ffffff';
const AA = 4.5; // WCAG 2 contrast for normal text

/** Parses #rgb or #rrggbb; null for anything else. */
export function parseHex(color: string): [number, number, number] | null {
  const m = /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(color.trim());
  if (!m) return null;
  let hex = m[1] ?? '';
  if (hex.length === 3) hex = [...hex].map((c) => c + c).join('');
  return [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
}

export function luminance([r, g, b]: [number, number, number]): number {
  const lin = (c: number) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

export function contrast(a: number, b: number): number {
  const [hi, lo] = a > b ? [a, b] : [b, a];
  return (hi + 0.05) / (lo + 0.05);
}

/**
 * CSS custom properties for a brand color, or {} to keep the default accent.
 * The brand color fills buttons and the header bar only; text on the page
 * keeps the theme's colors, which are known to be readable.
 */
export function brandStyle(color: string): Record<string, string> {
  let rgb = parseHex(color);
  if (!rgb) return {};
  const dark = luminance(parseHex(DARK_TEXT) as [number, number, number]);
  // a mid-tone reaches AA with neither text color: darken it until white text does
  for (let i = 0; i < 20 && Math.max(contrast(luminance(rgb), 1), contrast(luminance(rgb), dark)) < AA; i++) {
    rgb = rgb.map((c) => Math.floor(c * 0.92)) as [number, number, number];
  }
  const l = luminance(rgb);
  const hex = '#' + rgb.map((c) => c.toString(16).padStart(2, '0')).join('');
  return {
    '--brand': hex,
    '--brand-text': contrast(l, 1) >= contrast(l, dark) ? LIGHT_TEXT : DARK_TEXT,
  };
}

export function styleString(vars: Record<string, string>): string {
  return Object.entries(vars)
    .map(([k, v]) => `${k}: ${v}`)
    .join('; ');
}
