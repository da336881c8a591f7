// A plain HTTPS call to the coordinator's site port (the enrolment routes), trusting only the campaign CA.
import { request } from 'node:https';

export function siteHttps(port: number, caPem: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    // agent: false — a fresh connection per request: Node 20's global agent keeps sockets alive, and one the
    // server is closing at its keep-alive timeout answers the next request with ECONNRESET on a loaded machine.
    const req = request({ host: '127.0.0.1', port, path, method, ca: caPem, agent: false, headers: { 'content-type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString() || 'null') }));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}
