import { describe, expect, it } from 'vitest';
import { abilities, browserFamily, loudness, problemOf, recordingMode, unsupportedAdvice, type Abilities } from './media';

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
    // GNOME Web (WebKitGTK) says Safari, but it is no Mac's Safari: its settings are not Safari's
    expect(browserFamily('Mozilla/5.0 (X11; Ubuntu; Linux x86_64) AppleWebKit/605.1.15 Version/17.0 Safari/605.1.15')).toBe('other');
  });

  it('tells an iPad, whose Safari says it is a Mac, by its touch screen', () => {
    const ua = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 Version/17.0 Safari/605.1.15';
    expect(browserFamily(ua, 5)).toBe('safari-ios');
    expect(browserFamily(ua, 0)).toBe('safari');
  });
});

describe('recordingMode', () => {
  const all: Abilities = { camera: true, live: true, webrtc: true, recorder: true };

  it('streams live where it can, and records on the page where only a WebM recorder is left', () => {
    expect(recordingMode(all)).toBe('live');
    expect(recordingMode({ ...all, recorder: false })).toBe('live'); // Safari without WebM: live as before
    expect(recordingMode({ ...all, live: false, webrtc: false })).toBe('recorded'); // Lockdown Mode, WebRTC off
    expect(recordingMode({ ...all, live: false })).toBe('recorded'); // WebRTC without VP8
  });

  it('cannot record without a camera, or without both ways', () => {
    expect(recordingMode({ ...all, camera: false })).toBeNull();
    expect(recordingMode({ ...all, live: false, webrtc: false, recorder: false })).toBeNull();
  });

  it('has no recorded mode in a preview, which stores nothing', () => {
    expect(recordingMode({ ...all, live: false, webrtc: false }, false)).toBeNull();
    expect(recordingMode(all, false)).toBe('live');
  });
});

describe('unsupportedAdvice', () => {
  const lockdown: Abilities = { camera: true, live: false, webrtc: false, recorder: false };

  it("points Apple devices without WebRTC at Lockdown Mode's switch for the site", () => {
    expect(unsupportedAdvice(lockdown, 'safari-ios')).toBe('lockdown-ios');
    expect(unsupportedAdvice(lockdown, 'safari')).toBe('lockdown-mac');
  });

  it('suggests another browser otherwise', () => {
    expect(unsupportedAdvice(lockdown, 'chromium')).toBe('browser');
    expect(unsupportedAdvice({ ...lockdown, camera: false }, 'safari-ios')).toBe('browser');
    expect(unsupportedAdvice({ ...lockdown, webrtc: true }, 'safari')).toBe('browser');
  });
});

describe('abilities', () => {
  it('reads a recorder for VP8/Opus WebM from the recorder given', () => {
    const webm = { isTypeSupported: (t: string) => t === 'video/webm;codecs=vp8,opus', create: () => { throw new Error('unused'); } };
    expect(abilities(webm).recorder).toBe(true);
    expect(abilities({ ...webm, isTypeSupported: () => false }).recorder).toBe(false);
    expect(abilities(null).recorder).toBe(false);
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
