// The login limits' settings and who the client is. `labtrack server`'s flags set the same environment
// variables a container would, so both ways meet here and every worker process reads one source.
import { BlockList, isIP } from "node:net";

export interface LoginLimits {
  /** Failed logins of one user name from one client address, within the window, before it is locked. */
  maxFailures: number;
  windowMs: number;
  /** Sockets whose `X-Forwarded-For` is believed; null trusts nobody (the socket address is the client). */
  trustedProxies: BlockList | null;
}

/**
 * A name's failures from all addresses together lock it from everywhere at this many times the
 * per-address limit: many addresses (a botnet, or a misconfigured proxy) still get a bounded number of
 * guesses per window.
 */
export const NAME_WIDE_FACTOR = 10;

export const LOGIN_ENV = {
  trustedProxies: "LABTRACK_TRUSTED_PROXIES",
  maxFailures: "LABTRACK_LOGIN_MAX_FAILURES",
  windowSeconds: "LABTRACK_LOGIN_WINDOW_SECONDS",
} as const;

/** Messages name the flag and the variable: either may have carried the value. */
const FLAGS: Record<keyof typeof LOGIN_ENV, string> = {
  trustedProxies: "--trusted-proxies",
  maxFailures: "--login-max-failures",
  windowSeconds: "--login-window-seconds",
};
const label = (key: keyof typeof LOGIN_ENV): string => `${FLAGS[key]} (${LOGIN_ENV[key]})`;

export class LoginSettingsError extends Error {}

function positiveInteger(text: string, name: string, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || n < 1 || n > max) {
    throw new LoginSettingsError(`invalid ${name} '${text}': expected a whole number from 1 to ${max}`);
  }
  return n;
}

/** `10.0.0.0/8, 127.0.0.1, ::1` → a BlockList; anything that is not an address or CIDR is refused. */
export function parseTrustedProxies(text: string, name = label("trustedProxies")): BlockList | null {
  const items = text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  if (items.length === 0) return null;
  const list = new BlockList();
  for (const item of items) {
    const [address = "", prefix, extra] = item.split("/");
    const family = isIP(address);
    const bits = family === 4 ? 32 : 128;
    if (family === 0 || extra !== undefined || (prefix !== undefined && !/^\d{1,3}$/.test(prefix))) {
      throw new LoginSettingsError(`invalid ${name} entry '${item}': expected an IP address or a CIDR`);
    }
    const type = family === 4 ? "ipv4" : "ipv6";
    if (prefix === undefined) list.addAddress(address, type);
    else if (Number(prefix) > bits) {
      throw new LoginSettingsError(`invalid ${name} entry '${item}': the prefix length exceeds ${bits}`);
    } else list.addSubnet(address, Number(prefix), type);
  }
  return list;
}

export function loginLimitsFrom(env: NodeJS.ProcessEnv): LoginLimits {
  const max = env[LOGIN_ENV.maxFailures];
  const window = env[LOGIN_ENV.windowSeconds];
  return {
    maxFailures: max ? positiveInteger(max, label("maxFailures"), 1_000_000) : 10,
    windowMs: (window ? positiveInteger(window, label("windowSeconds"), 31 * 24 * 3600) : 60) * 1000,
    trustedProxies: parseTrustedProxies(env[LOGIN_ENV.trustedProxies] ?? ""),
  };
}

/** `::ffff:10.0.0.1` (an IPv4 client on a dual-stack socket) is 10.0.0.1. */
const plain = (address: string): string =>
  address.startsWith("::ffff:") && isIP(address.slice(7)) === 4 ? address.slice(7) : address;

function trusted(list: BlockList, address: string): boolean {
  const family = isIP(address);
  return family !== 0 && list.check(address, family === 4 ? "ipv4" : "ipv6");
}

/**
 * The client's address. `X-Forwarded-For` is read only when the socket is a trusted proxy, from the
 * right (each proxy appends the address it saw): the first hop that is not itself a trusted proxy is
 * the client. Entries left of it were written by the client and prove nothing.
 */
export function clientAddress(
  socketAddress: string | undefined,
  forwardedFor: string | string[] | undefined,
  trustedProxies: BlockList | null,
): string {
  let client = plain(socketAddress ?? "");
  if (!trustedProxies || !trusted(trustedProxies, client) || forwardedFor === undefined) return client;
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(",") : forwardedFor)
    .split(",")
    .map((s) => plain(s.trim()));
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i] as string;
    // Not an address: what a trusted proxy passed on is unusable, so the last hop vouched for stands.
    if (isIP(hop) === 0) return client;
    client = hop;
    if (!trusted(trustedProxies, hop)) return client;
  }
  return client;
}
