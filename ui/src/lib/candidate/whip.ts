// A WHIP publisher (RFC 9725) for the browser. The connection is made before
// recording starts (during think time) with empty senders; attach() puts the
// camera and microphone on them, so the first frame reaches the server at once.
// Nothing is sent while no track is attached, so the server records nothing.

import type { AnswerStatus } from '../enums';
import { messageOf, ApiError, OFFLINE, type StartedTake } from './api';

/** Bitrate cap of the camera track: plenty for a talking head at 720p, kind to weak uplinks. */
const MAX_VIDEO_BITRATE = 1_500_000;
const CONNECT_TIMEOUT_MS = 15_000;
const GATHER_TIMEOUT_MS = 2_000;
/** How long ending a take that failed to connect may take: the caller waits for it before trying again. */
const END_TIMEOUT_MS = 5_000;
/** An answer of the server's clock later than this is as good as none: the clock stands still meanwhile. */
const CLOCK_TIMEOUT_MS = 3_000;

/**
 * The server's answer to the end of a take (DELETE {Location}). whole: the live copy has no gap and keeps the
 * camera's picture size and frame rate; a server that does not say so is taken as not whole.
 */
export interface SavedTake {
  id: string;
  status: AnswerStatus;
  whole?: boolean;
}

/** The server's clock of a live take (GET {Location}): the time limit pauses while no media arrives. */
export interface ServerClock {
  state: 'connecting' | 'recording' | 'paused';
  limit_ms: number;
  remaining_ms: number;
  recorded_ms: number;
}

export interface WhipSession {
  readonly take: StartedTake;
  readonly pc: RTCPeerConnection;
  /** Sends the stream's tracks; recording starts with their first packets. */
  attach(stream: MediaStream): Promise<void>;
  /** Ends the take: the server saves the file and answers with its status. */
  stop(): Promise<SavedTake>;
  /** The server's clock of this take; ApiError 404 once the take has ended. */
  clock(): Promise<ServerClock>;
  /** Restarts ICE after a network change; false when the take is gone. */
  restartIce(): Promise<boolean>;
  /** Closes the connection without ending the take through WHIP. */
  close(): void;
  /** Whether the media flows over TCP (UDP blocked on this network). */
  overTCP(): Promise<boolean>;
}

/**
 * Publishes a take: the offer, the server's answer, and the connection. When it fails or the signal aborts it after
 * the server made the WHIP session, that session is ended (DELETE) before the error is thrown, so the server does not
 * hold the take until its own timeout and a new take can start at once.
 */
export async function connect(take: StartedTake, signal?: AbortSignal): Promise<WhipSession> {
  const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
  let location = '';
  try {
    const audio = pc.addTransceiver('audio', { direction: 'sendonly' });
    const video = pc.addTransceiver('video', { direction: 'sendonly' });
    preferVP8(video);
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    await gathered(pc);
    aborted(signal);
    const res = await whipFetch(take.whip_url, take, 'POST', 'application/sdp', pc.localDescription?.sdp ?? '');
    location = new URL(res.headers.get('Location') ?? '', take.whip_url).toString();
    await pc.setRemoteDescription({ type: 'answer', sdp: await res.text() });
    await connected(pc, signal);
    return new Session(take, pc, location, audio.sender, video.sender);
  } catch (err) {
    pc.close();
    if (location) {
      await endSession(location, take);
    }
    throw err;
  }
}

/**
 * Whether a failed connect() means that this browser or network cannot stream at all: no answer of the server
 * (ICE failed or timed out, the WHIP request did not get through) or no WebRTC to make the connection with. An
 * answer of the server (409, 403, 503…) is not that: the server was reached and said no.
 */
export function cannotStream(err: unknown): boolean {
  return !(err instanceof ApiError) || err.status === OFFLINE;
}

/** Ends a WHIP session that is no longer wanted; an error (404: it has ended already) changes nothing. */
export async function endSession(location: string, take: StartedTake): Promise<void> {
  await whipFetch(location, take, 'DELETE', undefined, undefined, timeoutSignal(END_TIMEOUT_MS)).catch(() => {});
}

function timeoutSignal(ms: number): AbortSignal | undefined {
  return typeof AbortSignal.timeout === 'function' ? AbortSignal.timeout(ms) : undefined;
}

function aborted(signal?: AbortSignal): void {
  if (signal?.aborted) {
    throw new ApiError(OFFLINE, '');
  }
}

class Session implements WhipSession {
  constructor(
    readonly take: StartedTake,
    readonly pc: RTCPeerConnection,
    private readonly location: string,
    private readonly audio: RTCRtpSender,
    private readonly video: RTCRtpSender,
  ) {}

  async attach(stream: MediaStream): Promise<void> {
    await tuneVideoSender(this.video); // before the first frame: the encoder starts with these settings
    await this.audio.replaceTrack(stream.getAudioTracks()[0] ?? null);
    await this.video.replaceTrack(stream.getVideoTracks()[0] ?? null);
  }

  async clock(): Promise<ServerClock> {
    const res = await whipFetch(this.location, this.take, 'GET', undefined, undefined, timeoutSignal(CLOCK_TIMEOUT_MS));
    const body: unknown = await res.json().catch(() => null);
    if (!isServerClock(body)) {
      throw new ApiError(OFFLINE, ''); // not the server's answer (a proxy's page?): as if it was not reached
    }
    return body;
  }

  async stop(): Promise<SavedTake> {
    try {
      // Stop sending first: the server then knows that the answer ends here, and waits for what is still on its way
      // (retransmissions go on, the connection stays) rather than for the stream to end.
      await Promise.all([this.audio.replaceTrack(null), this.video.replaceTrack(null)]).catch(() => {});
      const res = await whipFetch(this.location, this.take, 'DELETE');
      return (await res.json()) as SavedTake;
    } finally {
      this.pc.close();
    }
  }

  async restartIce(): Promise<boolean> {
    try {
      const offer = await this.pc.createOffer({ iceRestart: true });
      await this.pc.setLocalDescription(offer);
      await gathered(this.pc);
      const local = this.pc.localDescription?.sdp ?? '';
      const res = await whipFetch(this.location, this.take, 'PATCH', 'application/trickle-ice-sdpfrag', fragmentOf(local));
      const remote = this.pc.remoteDescription?.sdp ?? '';
      await this.pc.setRemoteDescription({ type: 'answer', sdp: withFragment(remote, await res.text()) });
      return true;
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) {
        return false; // the server ended the take
      }
      // back to the last agreed description, so that the next restart can make a new offer
      await this.pc.setLocalDescription({ type: 'rollback' }).catch(() => {});
      throw err;
    }
  }

  close(): void {
    this.pc.close();
  }

  async overTCP(): Promise<boolean> {
    const stats = await this.pc.getStats();
    let pairId: string | undefined;
    stats.forEach((s: { type: string; selectedCandidatePairId?: string }) => {
      if (s.type === 'transport' && s.selectedCandidatePairId) pairId = s.selectedCandidatePairId;
    });
    if (!pairId) {
      // browsers without the transport's selected pair (Firefox) mark the pair itself
      stats.forEach((s: { type: string; id: string; selected?: boolean; nominated?: boolean; state?: string }) => {
        if (s.type === 'candidate-pair' && (s.selected || (s.nominated && s.state === 'succeeded'))) pairId = s.id;
      });
    }
    const pair = pairId ? (stats.get(pairId) as { localCandidateId?: string } | undefined) : undefined;
    const local = pair?.localCandidateId ? (stats.get(pair.localCandidateId) as { protocol?: string } | undefined) : undefined;
    return local?.protocol === 'tcp';
  }
}

/**
 * Settings of the camera's sender. Each change is its own getParameters/setParameters round, so an engine that
 * refuses one still takes the other.
 */
export async function tuneVideoSender(sender: RTCRtpSender): Promise<void> {
  await setParameters(sender, (params) => {
    // On a slow start or a weak uplink the encoder lowers the frame rate, not the picture size. Chromium's default
    // for camera tracks keeps the frame rate and sends 320x180 until its bandwidth estimate has ramped up, and that
    // is what gets recorded. A face at a lower frame rate still reads; a blurred one does not.
    (params as RTCRtpSendParameters & { degradationPreference?: string }).degradationPreference = 'maintain-resolution';
  });
  await setParameters(sender, (params) => {
    for (const enc of params.encodings ?? []) {
      enc.maxBitrate = MAX_VIDEO_BITRATE;
    }
  });
}

/** Changes a sender's parameters; engines that lack or refuse a parameter keep their own. */
async function setParameters(sender: RTCRtpSender, change: (params: RTCRtpSendParameters) => void): Promise<void> {
  try {
    const params = sender.getParameters();
    change(params);
    await sender.setParameters(params);
  } catch {
    // an older engine without these parameters, or one that refuses this value
  }
}

function isServerClock(v: unknown): v is ServerClock {
  if (!v || typeof v !== 'object') return false;
  const c = v as Record<string, unknown>;
  return (
    (c.state === 'connecting' || c.state === 'recording' || c.state === 'paused') &&
    typeof c.remaining_ms === 'number' &&
    Number.isFinite(c.remaining_ms)
  );
}

function preferVP8(video: RTCRtpTransceiver): void {
  const caps = typeof RTCRtpSender.getCapabilities === 'function' ? RTCRtpSender.getCapabilities('video') : null;
  if (!caps || typeof video.setCodecPreferences !== 'function') {
    return;
  }
  const vp8 = caps.codecs.filter((c) => /^video\/(vp8|rtx)$/i.test(c.mimeType));
  try {
    video.setCodecPreferences(vp8);
  } catch {
    // the offer then lists every codec, VP8 among them; the server picks it
  }
}

function gathered(pc: RTCPeerConnection): Promise<void> {
  if (pc.iceGatheringState === 'complete') {
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      pc.removeEventListener('icegatheringstatechange', check);
      resolve();
    };
    const check = () => {
      if (pc.iceGatheringState === 'complete') done();
    };
    // host candidates come at once; a slow STUN lookup must not hold the take
    const timer = setTimeout(done, GATHER_TIMEOUT_MS);
    pc.addEventListener('icegatheringstatechange', check);
  });
}

function connected(pc: RTCPeerConnection, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = () => {
      cleanup();
      reject(new ApiError(OFFLINE, ''));
    };
    const timer = setTimeout(fail, CONNECT_TIMEOUT_MS);
    const check = () => {
      if (pc.connectionState === 'connected') {
        cleanup();
        resolve();
      } else if (pc.connectionState === 'failed' || pc.connectionState === 'closed' || signal?.aborted) {
        fail();
      }
    };
    const cleanup = () => {
      clearTimeout(timer);
      pc.removeEventListener('connectionstatechange', check);
      signal?.removeEventListener('abort', check);
    };
    pc.addEventListener('connectionstatechange', check);
    signal?.addEventListener('abort', check);
    check();
  });
}

async function whipFetch(
  url: string,
  take: StartedTake,
  method: string,
  contentType?: string,
  body?: string,
  signal?: AbortSignal,
): Promise<Response> {
  const headers: Record<string, string> = { Authorization: `Bearer ${take.whip_token}` };
  if (contentType) {
    headers['Content-Type'] = contentType;
  }
  let res: Response;
  try {
    res = await fetch(url, { method, headers, body, cache: 'no-store', signal });
  } catch {
    throw new ApiError(OFFLINE, '');
  }
  if (!res.ok) {
    throw new ApiError(res.status, await messageOf(res));
  }
  return res;
}

/** The trickle-ICE fragment (RFC 8840) of an ICE restart: new credentials, the media sections, candidates. */
export function fragmentOf(sdp: string): string {
  const lines = sdp.split(/\r?\n/);
  const pick = (prefix: string) => lines.find((l) => l.startsWith(prefix));
  const out = [pick('a=ice-ufrag:'), pick('a=ice-pwd:')];
  for (const l of lines) {
    if (l.startsWith('m=') || l.startsWith('a=mid:') || l.startsWith('a=candidate:')) {
      out.push(l);
    }
  }
  return out.filter((l): l is string => !!l).join('\r\n') + '\r\n';
}

/** The remote description with the credentials and candidates of the server's restart fragment. */
export function withFragment(sdp: string, fragment: string): string {
  const frag = fragment.split(/\r?\n/);
  const ufrag = frag.find((l) => l.startsWith('a=ice-ufrag:'));
  const pwd = frag.find((l) => l.startsWith('a=ice-pwd:'));
  const candidates = frag.filter((l) => l.startsWith('a=candidate:'));
  const out: string[] = [];
  let section = -1;
  for (const line of sdp.split(/\r?\n/)) {
    if (line === '') continue;
    if (line.startsWith('m=')) section++;
    if (line.startsWith('a=ice-ufrag:') && ufrag) out.push(ufrag);
    else if (line.startsWith('a=ice-pwd:') && pwd) out.push(pwd);
    else if (line.startsWith('a=candidate:') || line === 'a=end-of-candidates') continue;
    else {
      out.push(line);
      // with max-bundle the first media section carries the transport
      if (line.startsWith('a=mid:') && section === 0) out.push(...candidates);
    }
  }
  return out.join('\r\n') + '\r\n';
}
