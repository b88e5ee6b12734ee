/**
 * Sessions, one per area of the site: the fan's (also the payee's), the gate staff's and the
 * organizer's, so a steward's scanner and a fan's phone never share a token.
 */
export type Area = "fan" | "staff" | "organizer" | "vendor" | "office";

export interface Session {
  accessToken: string;
  refreshToken: string;
  userId: string;
  method: "siwe" | "password";
  /** The wallet that signed in (SIWE), lowercase. */
  address?: string;
  /** Which EIP-6963 wallet (rdns) signed in, to find it again. */
  walletRdns?: string;
  label: string;
}

const key = (area: Area) => `session:${area}`;

export function getSession(area: Area): Session | null {
  try {
    const raw = localStorage.getItem(key(area));
    return raw ? (JSON.parse(raw) as Session) : null;
  } catch {
    return null;
  }
}

export function setSession(area: Area, session: Session | null): void {
  if (session) localStorage.setItem(key(area), JSON.stringify(session));
  else localStorage.removeItem(key(area));
  window.dispatchEvent(new Event("session-changed"));
}
