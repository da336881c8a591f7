// The refusal matrix of issue 2 against real listening sockets: Node's https and a ws
// WebSocketServer over https, both on 127.0.0.1 requiring a client certificate, trusting only
// the campaign CA and loading the campaign CRL we wrote. The verdicts come from OpenSSL inside
// Node (the verify error it reports on the server socket), not from our own checks.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createCrl } from '../src/index.js';
import { makeCampaign, type CampaignFixture, type Identity } from './campaignFixture.js';
import { httpsAttempt, startHttpsServer, startWssServer, wssAttempt, type ClientOutcome, type MtlsServer } from './mtlsServers.js';

let campaign: CampaignFixture;
const servers: Record<'https' | 'wss', MtlsServer | undefined> = { https: undefined, wss: undefined };

beforeAll(async () => {
  campaign = makeCampaign();
  const tls = { key: campaign.server.keyPem, cert: campaign.server.certPem, ca: campaign.ca.certPem, crl: campaign.crlPem };
  servers.https = await startHttpsServer(tls);
  servers.wss = await startWssServer(tls);
});

afterAll(async () => {
  await servers.https?.close();
  await servers.wss?.close();
});

type Attempt = (server: MtlsServer, ca: string, identity?: Identity) => Promise<ClientOutcome>;

describe.each([
  ['https', httpsAttempt],
  ['wss', wssAttempt],
] as Array<['https' | 'wss', Attempt]>)('%s server with client certificates required', (name, attempt) => {
  const connect = (pick?: (c: CampaignFixture) => Identity) => attempt(servers[name]!, campaign.ca.certPem, pick?.(campaign));

  it('accepts a site certificate issued by the campaign CA and sees its site id', async () => {
    const outcome = await connect((c) => c.siteA);
    expect(outcome.received).toBe('hello site-a');
    expect(outcome.server).toEqual({ authorized: true, reason: null });
  });

  it('refuses a client without a certificate', async () => {
    const outcome = await connect();
    expect(outcome.received).toBeUndefined();
    // TLS 1.3 alert 116 certificate_required (RFC 8446 section 6.2) reaches the client.
    expect(outcome.errorCode).toBe('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED');
    expect(outcome.server).toEqual({ authorized: false, reason: 'ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE' });
  });

  it('refuses a certificate from another CA', async () => {
    const outcome = await connect((c) => c.foreign);
    expect(outcome.received).toBeUndefined();
    expect(outcome.errorCode).toBeDefined();
    expect(outcome.server).toEqual({ authorized: false, reason: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
  });

  it('refuses an expired certificate', async () => {
    const outcome = await connect((c) => c.expired);
    expect(outcome.received).toBeUndefined();
    expect(outcome.errorCode).toBeDefined();
    expect(outcome.server).toEqual({ authorized: false, reason: 'CERT_HAS_EXPIRED' });
  });

  it('refuses a certificate listed on the campaign CRL', async () => {
    const outcome = await connect((c) => c.revoked);
    expect(outcome.received).toBeUndefined();
    expect(outcome.errorCode).toBeDefined();
    expect(outcome.server).toEqual({ authorized: false, reason: 'CERT_REVOKED' });
  });

  it('still accepts another valid site after the refusals (the CRL names only the revoked one)', async () => {
    const outcome = await connect((c) => c.siteB);
    expect(outcome.received).toBe('hello site-b');
  });
});

describe('the CRL decides', () => {
  it('the same server without the crl option accepts it', async () => {
    const server = await startHttpsServer({ key: campaign.server.keyPem, cert: campaign.server.certPem, ca: campaign.ca.certPem });
    try {
      const outcome = await httpsAttempt(server, campaign.ca.certPem, campaign.revoked);
      expect(outcome.received).toBe('hello site-revoked');
    } finally {
      await server.close();
    }
  });

  it('a CRL past its nextUpdate makes OpenSSL refuse even a good site: the coordinator must renew it', async () => {
    const stale = createCrl({
      caCertPem: campaign.ca.certPem,
      caKeyPem: campaign.ca.keyPem,
      revoked: [],
      thisUpdate: new Date(Date.now() - 10 * 86_400_000),
      nextUpdateDays: 1,
    });
    const server = await startHttpsServer({ key: campaign.server.keyPem, cert: campaign.server.certPem, ca: campaign.ca.certPem, crl: stale });
    try {
      const outcome = await httpsAttempt(server, campaign.ca.certPem, campaign.siteA);
      expect(outcome.received).toBeUndefined();
      expect(outcome.server).toEqual({ authorized: false, reason: 'CRL_HAS_EXPIRED' });
    } finally {
      await server.close();
    }
  });
});
