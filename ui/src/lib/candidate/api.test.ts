import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, SessionApi } from './api';

interface Call {
  method: string;
  url: string;
  body: unknown;
}

function stubServer(answer: (call: Call) => Response): Call[] {
  const calls: Call[] = [];
  vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
    const call = { method: init.method ?? 'GET', url, body: init.body ? JSON.parse(String(init.body)) : undefined };
    calls.push(call);
    return answer(call);
  });
  return calls;
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('SessionApi.startUpload', () => {
  const started = { id: 'ans1', transport: 'upload', max_seconds: 120, upload_url: 'https://takeone.test/api/takeone/uploads/' };

  it('starts a take recorded by the page, with the camera as a live start names it', async () => {
    const calls = stubServer(() => Response.json(started, { status: 201 }));
    const api = new SessionApi('tok/1');
    expect(await api.startUpload('q1', { width: 1280, height: 720, frame_rate: 30 })).toEqual(started);
    expect(calls).toEqual([
      {
        method: 'POST',
        url: '/api/takeone/session/tok%2F1/questions/q1/takes',
        body: { transport: 'upload', camera: { width: 1280, height: 720, frame_rate: 30 } },
      },
    ]);
    await api.startUpload('q1');
    expect(calls[1]?.body).toEqual({ transport: 'upload' });
  });

  it("gives the server's refusal as a live start does", async () => {
    stubServer(() => Response.json({ message: 'No takes left for this question.' }, { status: 403 }));
    const err = await new SessionApi('tok').startUpload('q1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 403, message: 'No takes left for this question.' });
  });

  it('ends a live take that a server without this transport started instead', async () => {
    const calls = stubServer((c) =>
      c.method === 'POST' ? Response.json({ id: 'ans1', whip_url: '/whip', whip_token: 'x', max_seconds: 60 }, { status: 201 }) : new Response(null, { status: 204 }),
    );
    const err = await new SessionApi('tok').startUpload('q1').catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 501 });
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual(['POST /api/takeone/session/tok/questions/q1/takes', 'DELETE /api/takeone/session/tok/live']);
  });
});
