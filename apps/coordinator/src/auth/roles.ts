/**
 * Operator roles. An admin does everything (accounts, tokens, enrolment, revocation); a study
 * lead runs campaigns (create, start); an auditor reads everything and changes nothing.
 */
export const ROLES = ['admin', 'study-lead', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

/** What a procedure needs: `read` (every role), `campaign` (campaign mutations), `admin`. */
export type Permission = 'read' | 'campaign' | 'admin';

const GRANTS: Readonly<Record<Role, readonly Permission[]>> = {
  admin: ['read', 'campaign', 'admin'],
  'study-lead': ['read', 'campaign'],
  auditor: ['read'],
};

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export function allows(role: Role, permission: Permission): boolean {
  return GRANTS[role].includes(permission);
}

export const USERNAME_PATTERN = /^[a-z][a-z0-9._-]{1,63}$/;
