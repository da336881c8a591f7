import { WebSocket } from 'ws';

/**
 * The site's one outbound connection: wss with the site certificate (mTLS), trusting only
 * the campaign CA. Reconnects on any close with exponential backoff and jitter
 * (SITE_CHANNEL.md §2), except when the coordinator says the certificate is refused
 * (HTTP 401/403 on upgrade, close 4403): then retrying cannot help, and the channel stops.
 *
 * A coordinator host that vanishes (power, a firewall dropping state) sends no FIN, and TCP
 * alone notices only after many minutes: the channel pings, and drops and re-dials a
 * connection that answered no ping within one ping interval.
 *
 * The channel moves text frames; what goes out has already passed the egress gate (the
 * daemon only calls `send` with admitted messages).
 */
export interface SiteChannelOptions {
  url: string;
  keyPem: string;
  certificatePem: string;
  caPem: string;
  reconnect: { initialMs: number; maxMs: number };
  onOpen: () => void;
  onMessage: (text: string) => void;
  /** Called once when the coordinator refuses this site for good (revoked/unknown). */
  onRefused: (reason: string) => void;
  log: (line: string) => void;
  /** Time between pings, read again before each one (the daemon ties it to the heartbeat); 15 s by default. */
  pingIntervalMs?: () => number;
  /** Seeded jitter in tests; Math.random otherwise. */
  random?: () => number;
}

export const MAX_FRAME_BYTES = 64 * 1024 * 1024;

export class SiteChannel {
  private socket?: WebSocket;
  private attempt = 0;
  private timer?: NodeJS.Timeout;
  private pinger?: NodeJS.Timeout;
  private schedulePing?: () => void;
  private stopped = false;

  constructor(private readonly options: SiteChannelOptions) {}

  start(): void {
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.pinger) clearTimeout(this.pinger);
    this.socket?.close(1000, 'site node stopping');
    this.socket = undefined;
  }

  get isOpen(): boolean {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  /**
   * The coordinator welcomed us: the next disconnect starts the backoff from the beginning,
   * and the next ping follows the interval as it is now (the welcome sets the heartbeat).
   */
  markHealthy(): void {
    this.attempt = 0;
    this.schedulePing?.();
  }

  send(text: string): boolean {
    if (!this.isOpen) return false;
    this.socket!.send(text);
    return true;
  }

  /** Delay before reconnect attempt k (0-based): min(max, initial·2^k), jittered to 50–100 %. */
  static backoffDelay(k: number, bounds: { initialMs: number; maxMs: number }, random: () => number): number {
    const ceiling = Math.min(bounds.maxMs, bounds.initialMs * 2 ** Math.min(k, 30));
    return Math.round(ceiling * (0.5 + 0.5 * random()));
  }

  private connect(): void {
    if (this.stopped) return;
    const { url, keyPem, certificatePem, caPem, log } = this.options;
    const socket = new WebSocket(url, {
      key: keyPem,
      cert: certificatePem,
      ca: caPem,
      maxPayload: MAX_FRAME_BYTES,
      handshakeTimeout: 10000,
    });
    this.socket = socket;
    let refused = false;
    socket.on('open', () => {
      log(`connected to ${url}`);
      this.keepAlive(socket);
      this.options.onOpen();
    });
    socket.on('message', (data, isBinary) => {
      if (isBinary) {
        log('ignored a binary frame from the coordinator');
        return;
      }
      this.options.onMessage(data.toString());
    });
    socket.on('unexpected-response', (_req, res) => {
      const status = res.statusCode ?? 0;
      if (status === 401 || status === 403) {
        refused = true;
        this.refuse(`the coordinator refused this site's certificate (HTTP ${status}: ${status === 401 ? 'no valid certificate' : 'revoked, unknown or disabled site'})`);
      } else {
        log(`coordinator answered the upgrade with HTTP ${status}`);
      }
      socket.terminate();
    });
    socket.on('error', (error) => {
      if (!refused) log(`connection error: ${error.message}`);
    });
    socket.on('close', (code, reason) => {
      if (this.socket === socket) {
        this.socket = undefined;
        if (this.pinger) clearTimeout(this.pinger);
      }
      if (refused || this.stopped) return;
      if (code === 4403) {
        this.refuse(`the coordinator closed the connection: ${reason.toString() || 'certificate revoked or site mismatch'} (4403)`);
        return;
      }
      this.scheduleReconnect(code);
    });
  }

  private keepAlive(socket: WebSocket): void {
    let answered = true;
    socket.on('pong', () => (answered = true));
    const schedule = () => {
      if (this.pinger) clearTimeout(this.pinger);
      this.pinger = setTimeout(tick, this.options.pingIntervalMs?.() ?? 15000);
      this.pinger.unref();
    };
    const tick = () => {
      if (this.socket !== socket || socket.readyState !== WebSocket.OPEN) return;
      if (!answered) {
        this.options.log('the coordinator answered no ping; dropping the connection to dial again');
        socket.terminate(); // 'close' follows, which schedules the reconnect
        return;
      }
      answered = false;
      socket.ping();
      schedule();
    };
    this.schedulePing = schedule;
    schedule();
  }

  private refuse(reason: string): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.options.log(reason);
    this.options.onRefused(reason);
  }

  private scheduleReconnect(code: number): void {
    const delay = SiteChannel.backoffDelay(this.attempt++, this.options.reconnect, this.options.random ?? Math.random);
    this.options.log(`disconnected (${code}); reconnecting in ${delay} ms`);
    this.timer = setTimeout(() => this.connect(), delay);
  }
}
