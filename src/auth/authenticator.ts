// Who is calling: HTTP Basic (MLFLOW_TRACKING_USERNAME/PASSWORD) or a bearer token
// (MLFLOW_TRACKING_TOKEN). Verified credentials are cached briefly, so that bcrypt runs once per
// client and minute, not once per request; repeated failures from one address are slowed down.
import { createHash } from "node:crypto";
import { MlflowError } from "../store/errors.js";
import type { User, UserStore } from "./user-store.js";

const CACHE_TTL_MS = 60_000;
const MAX_FAILURES = 10;
const FAILURE_WINDOW_MS = 60_000;

export class Authenticator {
  private readonly cache = new Map<string, { user: User; expires: number }>();
  private readonly failures = new Map<string, number[]>();

  constructor(private readonly users: UserStore) {}

  /** Forget every verified credential: called whenever users or passwords change. */
  invalidate(): void {
    this.cache.clear();
  }

  async authenticate(header: string | undefined, address: string): Promise<User> {
    if (!header)
      throw unauthenticated("Authentication required: send HTTP Basic credentials or a bearer token.");
    const key = createHash("sha256").update(header).digest("hex");
    const cached = this.cache.get(key);
    if (cached && cached.expires > Date.now()) return cached.user;
    this.checkRate(address);
    const user = await this.verify(header);
    if (!user) {
      this.fail(address);
      throw unauthenticated("Invalid credentials.");
    }
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(key, { user, expires: Date.now() + CACHE_TTL_MS });
    return user;
  }

  private async verify(header: string): Promise<User | null> {
    const [scheme, value = ""] = header.split(/\s+/, 2);
    if (scheme?.toLowerCase() === "bearer") return this.users.verifyToken(value);
    if (scheme?.toLowerCase() !== "basic") return null;
    let decoded: string;
    try {
      decoded = Buffer.from(value, "base64").toString("utf8");
    } catch {
      return null;
    }
    const colon = decoded.indexOf(":");
    if (colon < 0) return null;
    return this.users.verifyPassword(decoded.slice(0, colon), decoded.slice(colon + 1));
  }

  private recent(address: string): number[] {
    const now = Date.now();
    const list = (this.failures.get(address) ?? []).filter((t) => now - t < FAILURE_WINDOW_MS);
    this.failures.set(address, list);
    return list;
  }

  private checkRate(address: string): void {
    if (this.recent(address).length >= MAX_FAILURES) {
      throw new MlflowError(
        "REQUEST_LIMIT_EXCEEDED",
        `Too many failed logins from this address; try again in ${FAILURE_WINDOW_MS / 1000} s.`,
      );
    }
  }

  private fail(address: string): void {
    const list = this.recent(address);
    list.push(Date.now());
    if (this.failures.size > 10_000) this.failures.clear();
  }
}

export const unauthenticated = (message: string): MlflowError => new MlflowError("UNAUTHENTICATED", message);
