import { describe, expect, it } from 'vitest';
import { fragmentOf, withFragment } from './whip';

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
