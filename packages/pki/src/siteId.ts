import { InvalidSiteIdError } from './errors.js';

/** Same pattern as protocols/common.schema.json#/$defs/SiteId: a site id is also its certificate CN. */
export const SITE_ID_PATTERN = /^[a-z0-9][a-z0-9-]{1,62}$/;

export function assertSiteId(siteId: unknown, where: string): string {
  if (typeof siteId !== 'string' || !SITE_ID_PATTERN.test(siteId)) {
    throw new InvalidSiteIdError(String(siteId), where);
  }
  return siteId;
}
