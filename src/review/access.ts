/**
 * Who may use the review API: bearer tokens from config, each naming a user and a role. Tokens are
 * compared in constant time (as SHA-256 digests, against every configured token, so neither the
 * length nor the position of a match shows in the timing). Tokens are accepted only in the
 * Authorization header — never in a URL, where proxies and browsers would keep them.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { FarmwatchError } from '../errors/farmwatch-error.ts';
import { ROLES, type Role } from './review-store.ts';

export interface Principal {
  readonly user: string;
  readonly role: Role;
}

interface Credential extends Principal {
  readonly digest: Buffer;
}

const RANK: Record<Role, number> = { viewer: 1, analyst: 2, admin: 3 };

export function allows(p: Principal, needed: Role): boolean {
  return RANK[p.role] >= RANK[needed];
}

const digest = (token: string) => createHash('sha256').update(token, 'utf8').digest();

/** Entries are `user:role:token` (the config parser has checked their shape). */
export class AccessList {
  private readonly credentials: readonly Credential[];

  constructor(entries: readonly string[]) {
    this.credentials = entries.map((e) => {
      const [user, role, ...rest] = e.split(':');
      const token = rest.join(':');
      if (!user || !(ROLES as readonly string[]).includes(role ?? '') || token.length < 16) {
        throw new FarmwatchError(
          'CONFIG_INVALID',
          'FARMWATCH_REVIEW_TOKENS has an entry that is not user:role:token (role viewer, analyst or admin; token of ' +
            '16 characters or more)',
        );
      }
      return { user, role: role as Role, digest: digest(token) };
    });
  }

  get size(): number {
    return this.credentials.length;
  }

  /** Whether a value (say, of a URL query parameter) is one of the tokens, whatever it was called. */
  isToken(value: string): boolean {
    if (value.length < 16 || value.length > 512) return false;
    const presented = digest(value);
    let found = false;
    for (const c of this.credentials) if (timingSafeEqual(c.digest, presented)) found = true;
    return found;
  }

  /** The principal for an Authorization header value, or null. */
  authenticate(header: string | undefined): Principal | null {
    const m = header === undefined ? null : /^Bearer ([\x21-\x7e]{1,512})$/.exec(header);
    const presented = digest(m?.[1] ?? '');
    let found: Principal | null = null;
    for (const c of this.credentials) {
      if (timingSafeEqual(c.digest, presented) && m !== null) found = { user: c.user, role: c.role };
    }
    return found;
  }
}
