// Who is calling: HTTP Basic (MLFLOW_TRACKING_USERNAME/PASSWORD) or a bearer token
// (MLFLOW_TRACKING_TOKEN).
//
// Verified credentials are cached, so that bcrypt runs once per client and minute, not once per
// request; each entry remembers the database's authentication version it was verified under, and is
// trusted only while that version is current. Every change to users, passwords or tokens bumps the
// version in its own transaction, whichever process makes it, and each process reads the version at
// most VERSION_TTL_MS ago: a change is in force everywhere within a second.
//
// Failed logins are counted in the database (shared by all processes) per user name and client
// address: a name is locked from the address its failures came from, and from everywhere once its
// failures from all addresses reach NAME_WIDE_FACTOR times the limit. Other names are never refused.
import { createHash } from "node:crypto";
import { MlflowError } from "../store/errors.js";
import { type LoginLimits, NAME_WIDE_FACTOR } from "./login-limits.js";
import type { User, UserStore } from "./user-store.js";

const CACHE_TTL_MS = 60_000;
/** How old the authentication version read from the database may be; well under a second. */
const VERSION_TTL_MS = 250;

type Credentials = { kind: "basic"; username: string; password: string } | { kind: "bearer"; token: string };

function parse(header: string): Credentials | null {
  const [scheme, value = ""] = header.split(/\s+/, 2);
  if (scheme?.toLowerCase() === "bearer") return { kind: "bearer", token: value };
  if (scheme?.toLowerCase() !== "basic") return null;
  const decoded = Buffer.from(value, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return null;
  return { kind: "basic", username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export class LoginLockedError extends MlflowError {
  constructor(
    message: string,
    /** Seconds until the lock ends by itself: the Retry-After header. */
    readonly retryAfter: number,
  ) {
    super("REQUEST_LIMIT_EXCEEDED", message);
  }
}

export class Authenticator {
  private readonly cache = new Map<string, { user: User; expires: number; version: number }>();
  private version: { value: number; read: number } | null = null;
  private versionRead: Promise<number> | null = null;
  private lastExpiry = 0;

  constructor(
    private readonly users: UserStore,
    readonly limits: LoginLimits,
  ) {}

  /** Forget every verified credential: called when this process changes users or passwords. */
  invalidate(): void {
    this.cache.clear();
    this.version = null;
  }

  /** The database's authentication version, read at most VERSION_TTL_MS ago (one read at a time). */
  private async currentVersion(): Promise<number> {
    if (this.version && Date.now() - this.version.read < VERSION_TTL_MS) return this.version.value;
    this.versionRead ??= (async () => {
      const read = Date.now();
      try {
        const value = await this.users.version();
        this.version = { value, read };
        return value;
      } finally {
        this.versionRead = null;
      }
    })();
    return this.versionRead;
  }

  async authenticate(header: string | undefined, address: string): Promise<User> {
    if (!header)
      throw unauthenticated("Authentication required: send HTTP Basic credentials or a bearer token.");
    // Read before verifying: an entry is never tagged with a version newer than what it was checked against.
    const version = await this.currentVersion();
    const key = createHash("sha256").update(header).digest("hex");
    const cached = this.cache.get(key);
    if (cached && cached.expires > Date.now() && cached.version === version) return cached.user;
    if (cached) this.cache.delete(key);
    const credentials = parse(header);
    if (!credentials) throw unauthenticated("Invalid credentials.");
    const user =
      credentials.kind === "bearer"
        ? // A token is 192 random bits: guessing is hopeless, so its failures lock nobody out.
          await this.users.verifyToken(credentials.token)
        : await this.verifyPassword(credentials.username, credentials.password, address);
    if (!user) throw unauthenticated("Invalid credentials.");
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(key, { user, expires: Date.now() + CACHE_TTL_MS, version });
    return user;
  }

  private async verifyPassword(username: string, password: string, address: string): Promise<User | null> {
    const { maxFailures, windowMs } = this.limits;
    const now = Date.now();
    const since = now - windowMs;
    const failures = await this.users.loginFailures(username, address, since);
    const lockedUntil = Math.max(
      failures.fromAddress >= maxFailures ? failures.fromAddressSince + windowMs : 0,
      failures.total >= maxFailures * NAME_WIDE_FACTOR ? failures.totalSince + windowMs : 0,
    );
    if (lockedUntil > now) {
      const seconds = Math.ceil((lockedUntil - now) / 1000);
      throw new LoginLockedError(
        `Too many failed logins for user '${username}'; try again in ${seconds} s, or ask an admin to unlock it.`,
        seconds,
      );
    }
    const user = await this.users.verifyPassword(username, password);
    if (!user) {
      await this.users.recordLoginFailure(username, address, now, since);
      if (now - this.lastExpiry > windowMs) {
        this.lastExpiry = now;
        await this.users.expireLoginFailures(since);
      }
      return null;
    }
    if (failures.fromAddress > 0) await this.users.clearLoginFailures(username, address);
    return user;
  }
}

export const unauthenticated = (message: string): MlflowError => new MlflowError("UNAUTHENTICATED", message);
