// The candidate's camera and microphone: what this browser can do, asking for
// them, and what to say when it fails.

import { browserRecorder, LOCAL_COPY_TYPE, type RecorderKind } from './localcopy';

/** Why the camera could not be opened, for the message shown. */
export type MediaProblem = 'denied' | 'notFound' | 'inUse' | 'insecure' | 'other';

/** How the page records answers: live over WebRTC (WHIP), or recorded by the page and uploaded while it records. */
export type RecordingMode = 'live' | 'recorded';

/** What this browser can do towards recording an answer. */
export interface Abilities {
  /** Camera and microphone access (getUserMedia). */
  camera: boolean;
  /** WebRTC with VP8: the live path. */
  live: boolean;
  /** WebRTC at all (RTCPeerConnection): Lockdown Mode and some locked-down browsers remove it. */
  webrtc: boolean;
  /** A MediaRecorder that records what the server takes (VP8/Opus WebM): the recorded path. */
  recorder: boolean;
}

export function abilities(kind: RecorderKind | null = browserRecorder()): Abilities {
  const webrtc = typeof RTCPeerConnection !== 'undefined';
  let vp8 = webrtc;
  if (webrtc && typeof RTCRtpSender !== 'undefined' && typeof RTCRtpSender.getCapabilities === 'function') {
    const caps = RTCRtpSender.getCapabilities('video');
    if (caps && !caps.codecs.some((c) => c.mimeType.toLowerCase() === 'video/vp8')) vp8 = false;
  }
  return {
    camera: typeof navigator !== 'undefined' && !!navigator.mediaDevices?.getUserMedia,
    live: vp8,
    webrtc,
    recorder: !!kind && kind.isTypeSupported(LOCAL_COPY_TYPE),
  };
}

/**
 * How this browser records answers: live when it can stream, else recorded when it can record WebM itself (not in
 * a team member's preview, which stores nothing); null when it cannot record at all.
 */
export function recordingMode(a: Abilities, recordedAllowed = true): RecordingMode | null {
  if (!a.camera) return null;
  if (a.live) return 'live';
  return a.recorder && recordedAllowed ? 'recorded' : null;
}

/** What the "cannot record" screen advises: Lockdown Mode's per-site switch on Apple devices, else another browser. */
export type UnsupportedAdvice = 'lockdown-ios' | 'lockdown-mac' | 'browser';

export function unsupportedAdvice(a: Abilities, family: BrowserFamily): UnsupportedAdvice {
  // Lockdown Mode takes WebRTC away from Safari (and every iOS browser) while the camera stays
  if (a.camera && !a.webrtc && family === 'safari-ios') return 'lockdown-ios';
  if (a.camera && !a.webrtc && family === 'safari') return 'lockdown-mac';
  return 'browser';
}

/** Camera access needs HTTPS (or localhost); over plain HTTP the browser hides it entirely. */
export function insecureContext(): boolean {
  return typeof window !== 'undefined' && window.isSecureContext === false;
}

export interface DeviceChoice {
  camera?: string; // deviceId; the front camera when unset
  microphone?: string;
}

/** Opens the camera and microphone: front camera, a size every phone can do. */
export function openMedia(choice: DeviceChoice = {}): Promise<MediaStream> {
  const video: MediaTrackConstraints = {
    width: { ideal: 1280 },
    height: { ideal: 720 },
    frameRate: { ideal: 30, max: 30 },
  };
  if (choice.camera) {
    video.deviceId = { exact: choice.camera };
  } else {
    video.facingMode = 'user';
  }
  const audio: MediaTrackConstraints = { echoCancellation: true, noiseSuppression: true, autoGainControl: true };
  if (choice.microphone) {
    audio.deviceId = { exact: choice.microphone };
  }
  return navigator.mediaDevices.getUserMedia({ video, audio });
}

export function problemOf(err: unknown): MediaProblem {
  const name = err instanceof DOMException || err instanceof Error ? err.name : '';
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
    case 'PermissionDeniedError':
      return 'denied';
    case 'NotFoundError':
    case 'OverconstrainedError':
    case 'DevicesNotFoundError':
      return 'notFound';
    case 'NotReadableError':
    case 'TrackStartError':
    case 'AbortError':
      return 'inUse';
    default:
      return 'other';
  }
}

/** The browser family, to say where its camera permission is. */
export type BrowserFamily = 'safari-ios' | 'safari' | 'firefox' | 'chrome-android' | 'chromium' | 'other';

/** touchPoints: navigator.maxTouchPoints, which tells an iPad (whose Safari says it is a Mac) from a Mac. */
export function browserFamily(ua: string, touchPoints = 0): BrowserFamily {
  if (/iPhone|iPad|iPod/.test(ua)) return 'safari-ios'; // every browser on iOS is Safari inside
  if (/Macintosh/.test(ua) && touchPoints > 1) return 'safari-ios';
  if (/Firefox\//.test(ua)) return 'firefox';
  if (/Android/.test(ua) && /Chrome\//.test(ua)) return 'chrome-android';
  if (/Chrome\/|Chromium\/|Edg\//.test(ua)) return 'chromium';
  // Safari on a Mac; GNOME Web and other WebKitGTK browsers on Linux say Safari too, without Macintosh
  if (/Safari\//.test(ua) && /Macintosh/.test(ua)) return 'safari';
  return 'other';
}

export interface Devices {
  cameras: MediaDeviceInfo[];
  microphones: MediaDeviceInfo[];
}

export async function listDevices(): Promise<Devices> {
  const all = await navigator.mediaDevices.enumerateDevices();
  return {
    cameras: all.filter((d) => d.kind === 'videoinput'),
    microphones: all.filter((d) => d.kind === 'audioinput'),
  };
}

export function stopMedia(stream: MediaStream | null | undefined): void {
  stream?.getTracks().forEach((t) => t.stop());
}

/** Calls onLevel (0..1) twenty times a second with the microphone's loudness; returns a stop function. */
export function meterLevel(stream: MediaStream, onLevel: (level: number) => void): () => void {
  const Ctx = window.AudioContext ?? (window as unknown as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext;
  if (!Ctx || stream.getAudioTracks().length === 0) {
    return () => {};
  }
  const ctx = new Ctx();
  const source = ctx.createMediaStreamSource(stream);
  const analyser = ctx.createAnalyser();
  // a window of about 43 ms read every 50 ms: short sounds are not missed between two reads
  analyser.fftSize = 2048;
  source.connect(analyser);
  const samples = new Float32Array(analyser.fftSize);
  const timer = setInterval(() => {
    analyser.getFloatTimeDomainData(samples);
    onLevel(loudness(samples));
  }, 50);
  void ctx.resume();
  return () => {
    clearInterval(timer);
    source.disconnect();
    void ctx.close();
  };
}

/** Root mean square of the samples, scaled so normal speech fills most of the meter. */
export function loudness(samples: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i] ?? 0;
    sum += s * s;
  }
  const rms = Math.sqrt(sum / Math.max(samples.length, 1));
  return Math.min(1, rms * 4);
}
