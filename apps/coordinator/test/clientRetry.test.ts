import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import { createCoordinatorClient, QUERY_RETRY_WAITS_MS } from '../src/client.js';

// A stand-in API that resets the first `resets` requests (the socket destroyed before any answer,
// as a kept-alive socket closed by the server looks to the client) and answers the rest.
function flakyApi(resets: number): Promise<{ server: Server; url: string; seen: string[] }> {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    if (seen.length <= resets) {
      req.socket.destroy();
      return;
    }
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ result: { data: { ok: true } } }));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/trpc`, seen })));
}

let running: Server | undefined;
afterEach(() => new Promise<void>((r) => (running ? running.close(() => r()) : r())));

describe('the coordinator client on a network failure', () => {
  it('tries a query again: one reset, then the answer', async () => {
    const api = await flakyApi(1);
    running = api.server;
    await expect(createCoordinatorClient(api.url).health()).resolves.toEqual({ ok: true });
    expect(api.seen).toEqual(['GET /trpc/health', 'GET /trpc/health']);
  });

  it('gives up on a query after its retries, naming the cause and the tries', async () => {
    const api = await flakyApi(100);
    running = api.server;
    await expect(createCoordinatorClient(api.url).health()).rejects.toMatchObject({ code: 'COORDINATOR_UNREACHABLE', message: expect.stringContaining(`after ${QUERY_RETRY_WAITS_MS.length + 1} tries`) });
    expect(api.seen).toHaveLength(QUERY_RETRY_WAITS_MS.length + 1);
  }, 30_000);

  it('never sends a mutation twice: it may have been carried out before its answer was lost', async () => {
    const api = await flakyApi(1);
    running = api.server;
    await expect(createCoordinatorClient(api.url).auth.logout()).rejects.toMatchObject({ code: 'COORDINATOR_UNREACHABLE' });
    expect(api.seen).toEqual(['POST /trpc/auth.logout']);
  });
});
