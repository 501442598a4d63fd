import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from './api';
import { cannotStream, connect, fragmentOf, tuneVideoSender, withFragment } from './whip';

const offer = [
  'v=0',
  'o=- 1 2 IN IP4 127.0.0.1',
  'a=group:BUNDLE 0 1',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111',
  'a=mid:0',
  'a=ice-ufrag:new1',
  'a=ice-pwd:newpassword1',
  'a=candidate:1 1 udp 2122260223 192.168.1.2 50000 typ host',
  'm=video 9 UDP/TLS/RTP/SAVPF 96',
  'a=mid:1',
  'a=ice-ufrag:new1',
  'a=ice-pwd:newpassword1',
  '',
].join('\r\n');

describe('fragmentOf', () => {
  it('carries the new credentials, the media sections and the candidates (RFC 8840)', () => {
    expect(fragmentOf(offer).split('\r\n')).toEqual([
      'a=ice-ufrag:new1',
      'a=ice-pwd:newpassword1',
      'm=audio 9 UDP/TLS/RTP/SAVPF 111',
      'a=mid:0',
      'a=candidate:1 1 udp 2122260223 192.168.1.2 50000 typ host',
      'm=video 9 UDP/TLS/RTP/SAVPF 96',
      'a=mid:1',
      '',
    ]);
  });
});

describe('withFragment', () => {
  it("swaps in the server's new credentials and candidates", () => {
    const answer = ['v=0', 'm=audio 9 X 111', 'a=mid:0', 'a=ice-ufrag:old', 'a=ice-pwd:oldpwd', 'a=candidate:9 1 udp 1 10.0.0.1 1 typ host', 'a=end-of-candidates', 'm=video 9 X 96', 'a=mid:1', 'a=ice-ufrag:old', 'a=ice-pwd:oldpwd', ''].join('\r\n');
    const frag = 'a=ice-ufrag:srv2\r\na=ice-pwd:serverpwd2\r\nm=audio 9 X 111\r\na=mid:0\r\na=candidate:5 1 udp 7 10.0.0.9 8443 typ host\r\n';
    const out = withFragment(answer, frag);
    expect(out).not.toContain('old');
    expect(out).not.toContain('10.0.0.1');
    expect(out.match(/a=ice-ufrag:srv2/g)).toHaveLength(2);
    expect(out.match(/a=candidate:5 1 udp 7 10.0.0.9 8443 typ host/g)).toHaveLength(1);
    expect(out.endsWith('\r\n')).toBe(true);
  });
});

describe('tuneVideoSender', () => {
  function sender(refuse?: (p: Record<string, unknown>) => boolean) {
    const set: Record<string, unknown>[] = [];
    return {
      set,
      getParameters: () => ({ transactionId: 't', encodings: [{ active: true }] }),
      setParameters: async (p: Record<string, unknown>) => {
        if (refuse?.(p)) throw new DOMException('not supported', 'InvalidModificationError');
        set.push(p);
      },
    };
  }

  it('keeps the resolution rather than the frame rate, and sets a bitrate cap that is not low', async () => {
    const s = sender();
    await tuneVideoSender(s as unknown as RTCRtpSender);
    expect(s.set.some((p) => p.degradationPreference === 'maintain-resolution')).toBe(true);
    const caps = s.set.flatMap((p) => (p.encodings as { maxBitrate?: number }[]).map((e) => e.maxBitrate ?? Infinity));
    expect(Math.min(...caps)).toBeGreaterThanOrEqual(1_000_000);
  });

  it('still sets the bitrate on an engine that refuses the degradation preference', async () => {
    const s = sender((p) => 'degradationPreference' in p);
    await tuneVideoSender(s as unknown as RTCRtpSender);
    expect(s.set).toHaveLength(1);
    expect((s.set[0]?.encodings as { maxBitrate?: number }[])[0]?.maxBitrate).toBeGreaterThan(0);
  });

  it('does not throw on an engine without sender parameters', async () => {
    const s = {
      getParameters: () => {
        throw new TypeError('not a function');
      },
    };
    await expect(tuneVideoSender(s as unknown as RTCRtpSender)).resolves.toBeUndefined();
  });
});

/** A peer connection that negotiates at once and then reaches the given state. */
class FakePeerConnection extends EventTarget {
  static reach: RTCPeerConnectionState = 'connected';
  connectionState: RTCPeerConnectionState = 'new';
  iceGatheringState = 'complete';
  localDescription: { sdp: string } | null = null;
  remoteDescription: { sdp: string } | null = null;
  closed = false;
  senders: { track: unknown; detachedAt?: number }[] = [];
  addTransceiver() {
    const sender = {
      track: {} as unknown,
      detachedAt: undefined as number | undefined,
      replaceTrack: async (track: unknown) => {
        sender.track = track;
        if (track === null) sender.detachedAt = calls.length;
      },
      getParameters: () => ({ encodings: [{}] }),
      setParameters: async () => {},
    };
    this.senders.push(sender);
    return { sender, setCodecPreferences: () => {} };
  }
  async createOffer() {
    return { type: 'offer', sdp: offer };
  }
  async setLocalDescription(d: { sdp: string }) {
    this.localDescription = d;
  }
  async setRemoteDescription(d: { sdp: string }) {
    this.remoteDescription = d;
    setTimeout(() => {
      this.connectionState = FakePeerConnection.reach;
      this.dispatchEvent(new Event('connectionstatechange'));
    }, 0);
  }
  close() {
    this.closed = true;
  }
}

let calls: { method: string; url: string; auth: string }[];

describe('connect', () => {
  const take = { id: 't1', whip_url: 'https://example.test/api/takeone/whip/t1', whip_token: 'secret', max_seconds: 30 };

  beforeEach(() => {
    calls = [];
    vi.stubGlobal('RTCPeerConnection', FakePeerConnection);
    vi.stubGlobal('RTCRtpSender', { getCapabilities: () => null });
    vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
      const method = init.method ?? 'GET';
      calls.push({ method, url, auth: (init.headers as Record<string, string>).Authorization ?? '' });
      if (method === 'POST') {
        return new Response('v=0\r\n', { status: 201, headers: { Location: '/api/takeone/whip/t1/session' } });
      }
      if (method === 'GET') {
        return Response.json({ state: 'paused', limit_ms: 30000, remaining_ms: 21500, recorded_ms: 8500 });
      }
      return new Response(null, { status: 404 });
    });
  });

  afterEach(() => {
    vi.unstubAllGlobals();
    FakePeerConnection.reach = 'connected';
  });

  it("asks the server's clock of the take at its WHIP session", async () => {
    const session = await connect(take);
    expect(await session.clock()).toEqual({ state: 'paused', limit_ms: 30000, remaining_ms: 21500, recorded_ms: 8500 });
    expect(calls.at(-1)).toEqual({ method: 'GET', url: 'https://example.test/api/takeone/whip/t1/session', auth: 'Bearer secret' });
  });

  it('stops sending before it ends the take, so that the server keeps what was sent up to Stop and no more', async () => {
    let pc: FakePeerConnection | undefined;
    vi.stubGlobal(
      'RTCPeerConnection',
      class extends FakePeerConnection {
        constructor() {
          super();
          pc = this; // the test reads its senders
        }
      },
    );
    const session = await connect(take);
    await session.stop().catch(() => {}); // the fake server answers 404
    const del = calls.findIndex((c) => c.method === 'DELETE');
    expect(del).toBeGreaterThan(0);
    expect(pc?.senders).toHaveLength(2);
    for (const s of pc?.senders ?? []) {
      expect(s.track).toBeNull();
      expect(s.detachedAt).toBeLessThanOrEqual(del);
    }
    expect(pc?.closed).toBe(true);
  });

  it('ends the WHIP session it made when the connection fails (a 404 changes nothing)', async () => {
    FakePeerConnection.reach = 'failed';
    await expect(connect(take)).rejects.toBeInstanceOf(ApiError);
    expect(calls.map((c) => c.method)).toEqual(['POST', 'DELETE']);
    expect(calls[1]?.url).toBe('https://example.test/api/takeone/whip/t1/session');
  });

  it('ends the WHIP session when the caller gives up while connecting', async () => {
    FakePeerConnection.reach = 'connecting';
    const abort = new AbortController();
    const connecting = connect(take, abort.signal);
    await new Promise((r) => setTimeout(r, 5));
    abort.abort();
    await expect(connecting).rejects.toBeInstanceOf(ApiError);
    expect(calls.map((c) => c.method)).toEqual(['POST', 'DELETE']);
  });

  it('tells a connection that cannot be made from an answer of the server', async () => {
    FakePeerConnection.reach = 'failed';
    const failed = await connect(take).catch((e: unknown) => e);
    expect(cannotStream(failed)).toBe(true); // ICE failed: recorded mode
    vi.stubGlobal('RTCPeerConnection', class {
      constructor() {
        throw new DOMException('WebRTC is off', 'NotSupportedError');
      }
    });
    expect(cannotStream(await connect(take).catch((e: unknown) => e))).toBe(true);
    vi.stubGlobal('fetch', async () => Response.json({ message: 'Another answer is being recorded.' }, { status: 409 }));
    vi.stubGlobal('RTCPeerConnection', FakePeerConnection);
    expect(cannotStream(await connect(take).catch((e: unknown) => e))).toBe(false);
    expect(cannotStream(new ApiError(403, 'No takes left.'))).toBe(false);
    expect(cannotStream(new ApiError(503, 'Busy.'))).toBe(false);
  });

  it('makes no WHIP session once the caller has given up', async () => {
    const abort = new AbortController();
    abort.abort();
    await expect(connect(take, abort.signal)).rejects.toBeInstanceOf(ApiError);
    expect(calls).toEqual([]);
  });
});
