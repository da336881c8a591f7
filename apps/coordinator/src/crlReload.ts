import { readFileSync, statSync, unwatchFile, watchFile } from 'node:fs';
import { join } from 'node:path';
import { CA_FILES, revokedInFolder } from './caFolder.js';
import type { CoreContext } from './core/context.js';
import { importRevocations, revokedSerials } from './core/sites.js';

/** What the watcher does once revocations were added to the CA folder while the coordinator runs. */
export interface CrlReloadTarget {
  /** New TLS handshakes check this CRL from now on. */
  updateCrl(crlPem: string): void;
  /** Cuts off a live connection that uses a newly revoked certificate. */
  revokeLive(serial: string, siteId: string, reason: string, revokedAt: string, crlPem: string): void;
}

/**
 * Makes `fedrad ca revoke` (which writes the CA folder's revoked list and crl.pem while the
 * coordinator runs, possibly on another terminal) take effect without a restart: the folder's
 * list is polled (fs.watchFile, so it works on every file system); each change imports the new
 * revocations into the store (audited), loads the new CRL into the TLS context and closes the
 * live connections of revoked certificates.
 */
export function watchCaRevocations(caDir: string, core: CoreContext, target: CrlReloadTarget, intervalMs = 500): () => void {
  const listFile = join(caDir, CA_FILES.revoked);
  const reload = () => {
    const before = new Set(revokedSerials(core).map((r) => r.serial));
    importRevocations(core, revokedInFolder(caDir));
    let crlPem: string;
    try {
      crlPem = readFileSync(join(caDir, CA_FILES.crl), 'utf8');
    } catch {
      return;
    }
    target.updateCrl(crlPem);
    for (const r of revokedSerials(core)) {
      if (before.has(r.serial)) continue;
      const row = core.db.prepare('SELECT site_id FROM certificates WHERE serial = ?').get(r.serial) as { site_id: string } | undefined;
      if (row?.site_id) target.revokeLive(r.serial, row.site_id, r.reason ?? 'unspecified', r.revokedAt, crlPem);
    }
  };
  let lastMtime = mtimeOf(listFile);
  const listener = () => {
    const m = mtimeOf(listFile);
    if (m === lastMtime) return;
    lastMtime = m;
    reload();
  };
  watchFile(listFile, { interval: intervalMs, persistent: false }, listener);
  return () => unwatchFile(listFile, listener);
}

function mtimeOf(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}
