// Users, access tokens and per-resource permissions, on the same SQL database as the runs.
import { createHash, randomBytes } from "node:crypto";
import bcrypt from "bcryptjs";
import { invalidParameter, MlflowError, notFound } from "../store/errors.js";
import type { SqlDriver } from "../store/sql/driver.js";
import type { Permission } from "./permissions.js";

export interface User {
  id: number;
  username: string;
  isAdmin: boolean;
}

interface UserRow {
  id: number;
  username: string;
  password_hash: string;
  is_admin: number;
}

const BCRYPT_ROUNDS = 10;
const toUser = (r: UserRow): User => ({
  id: Number(r.id),
  username: r.username,
  isAdmin: Number(r.is_admin) === 1,
});
/** The address of the row that counts a name's failures from all addresses together. */
const ANY_ADDRESS = "*";
const BUMP_VERSION = "UPDATE auth_version SET version = version + 1 WHERE id = 1";

export interface LoginFailures {
  fromAddress: number;
  fromAddressSince: number;
  total: number;
  totalSince: number;
}

export const hashToken = (token: string): string => createHash("sha256").update(token).digest("hex");

function checkPassword(password: string): void {
  if (password.length < 8) throw invalidParameter("The password must be at least 8 characters long.");
}

export class UserStore {
  constructor(private readonly db: SqlDriver) {}

  async count(admins = false): Promise<number> {
    const row = await this.db.get<{ n: number }>(
      `SELECT COUNT(*) AS n FROM users${admins ? " WHERE is_admin = 1" : ""}`,
    );
    return Number(row?.n ?? 0);
  }

  async create(username: string, password: string, isAdmin = false): Promise<User> {
    if (!/^[\w.@+-]{1,255}$/u.test(username)) {
      throw invalidParameter(`Invalid username '${username}': use letters, digits and . _ @ + - only.`);
    }
    checkPassword(password);
    const hash = await bcrypt.hash(password, BCRYPT_ROUNDS);
    const row = await this.db.get<UserRow>(
      "INSERT INTO users (username, password_hash, is_admin) VALUES (?, ?, ?) ON CONFLICT DO NOTHING RETURNING *",
      [username, hash, isAdmin ? 1 : 0],
    );
    if (!row) throw new MlflowError("RESOURCE_ALREADY_EXISTS", `User '${username}' already exists.`);
    return toUser(row);
  }

  async get(username: string): Promise<User> {
    const row = await this.db.get<UserRow>("SELECT * FROM users WHERE username = ?", [username]);
    if (!row) throw notFound(`User with username=${username} not found`);
    return toUser(row);
  }

  /** The user when the password matches, else null. bcrypt's comparison does not leak timing. */
  async verifyPassword(username: string, password: string): Promise<User | null> {
    const row = await this.db.get<UserRow>("SELECT * FROM users WHERE username = ?", [username]);
    // Compare against a dummy hash for unknown users, so that timing does not tell who exists.
    const hash = row?.password_hash ?? DUMMY_HASH;
    const ok = await bcrypt.compare(password, hash);
    return ok && row ? toUser(row) : null;
  }

  async verifyToken(token: string): Promise<User | null> {
    const row = await this.db.get<UserRow>(
      "SELECT u.* FROM access_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ?",
      [hashToken(token)],
    );
    return row ? toUser(row) : null;
  }

  async createToken(username: string): Promise<string> {
    const user = await this.get(username);
    const token = `lt_${randomBytes(24).toString("base64url")}`;
    await this.db.run("INSERT INTO access_tokens (token_hash, user_id, created_time) VALUES (?, ?, ?)", [
      hashToken(token),
      user.id,
      Date.now(),
    ]);
    return token;
  }

  async updatePassword(username: string, password: string): Promise<void> {
    checkPassword(password);
    const hash = await bcrypt.hash(password, BCRYPT_ROUNDS);
    await this.change("UPDATE users SET password_hash = ? WHERE username = ?", [hash, username], username);
  }

  async updateAdmin(username: string, isAdmin: boolean): Promise<void> {
    await this.change(
      "UPDATE users SET is_admin = ? WHERE username = ?",
      [isAdmin ? 1 : 0, username],
      username,
    );
  }

  /** Deletes the user; their tokens and permissions go with them (ON DELETE CASCADE). */
  async delete(username: string): Promise<void> {
    await this.change("DELETE FROM users WHERE username = ?", [username], username);
  }

  /** Revokes every access token of the user; the number revoked. */
  async revokeTokens(username: string): Promise<number> {
    return this.db.transaction(async (tx) => {
      const user = await tx.get<{ id: number }>("SELECT id FROM users WHERE username = ?", [username]);
      if (!user) throw notFound(`User with username=${username} not found`);
      const { changes } = await tx.run("DELETE FROM access_tokens WHERE user_id = ?", [user.id]);
      await tx.run(BUMP_VERSION);
      return changes;
    });
  }

  /** One change to a user, and the version every process checks its cached credentials against. */
  private async change(sql: string, params: (string | number)[], username: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const { changes } = await tx.run(sql, params);
      if (changes === 0) throw notFound(`User with username=${username} not found`);
      await tx.run(BUMP_VERSION);
    });
  }

  /** Bumped in the transaction of every change to users, passwords or tokens (by any process). */
  async version(): Promise<number> {
    const row = await this.db.get<{ version: number }>("SELECT version FROM auth_version WHERE id = 1");
    return Number(row?.version ?? 0);
  }

  // ---------------------------------------------------------------- failed logins

  /**
   * The failures within the window of `username` from `address`, and of `username` from everywhere,
   * each with the time its window started (windows start at their first failure).
   */
  async loginFailures(username: string, address: string, since: number): Promise<LoginFailures> {
    const rows = await this.db.all<{ address: string; failures: number; window_start: number }>(
      "SELECT address, failures, window_start FROM login_failures WHERE username = ? AND address IN (?, ?) AND window_start > ?",
      [username, address, ANY_ADDRESS, since],
    );
    const at = (a: string) => rows.find((r) => r.address === a);
    const pair = at(address);
    const all = at(ANY_ADDRESS);
    return {
      fromAddress: Number(pair?.failures ?? 0),
      fromAddressSince: Number(pair?.window_start ?? 0),
      total: Number(all?.failures ?? 0),
      totalSince: Number(all?.window_start ?? 0),
    };
  }

  /** Counts one failure against the name from this address and against the name overall. */
  async recordLoginFailure(username: string, address: string, now: number, since: number): Promise<void> {
    await this.db.transaction(async (tx) => {
      for (const a of [address, ANY_ADDRESS]) {
        // A window that ended starts again at this failure.
        await tx.run(
          `INSERT INTO login_failures (username, address, failures, window_start) VALUES (?, ?, 1, ?)
           ON CONFLICT (username, address) DO UPDATE SET
             failures = CASE WHEN login_failures.window_start <= ? THEN 1 ELSE login_failures.failures + 1 END,
             window_start = CASE WHEN login_failures.window_start <= ? THEN ? ELSE login_failures.window_start END`,
          [username, a, now, since, since, now],
        );
      }
    });
  }

  /** Forgets the failures of a name: from one address (a correct login from there), or all of them. */
  async clearLoginFailures(username: string, address?: string): Promise<number> {
    const { changes } =
      address === undefined
        ? await this.db.run("DELETE FROM login_failures WHERE username = ?", [username])
        : await this.db.run("DELETE FROM login_failures WHERE username = ? AND address = ?", [
            username,
            address,
          ]);
    return changes;
  }

  /** Drops windows that ended: names tried once by a scanner do not stay forever. */
  async expireLoginFailures(since: number): Promise<void> {
    await this.db.run("DELETE FROM login_failures WHERE window_start <= ?", [since]);
  }

  // ---------------------------------------------------------------- permissions

  async experimentPermission(experimentId: number, userId: number): Promise<Permission | null> {
    const row = await this.db.get<{ permission: Permission }>(
      "SELECT permission FROM experiment_permissions WHERE experiment_id = ? AND user_id = ?",
      [experimentId, userId],
    );
    return row?.permission ?? null;
  }

  async modelPermission(name: string, userId: number): Promise<Permission | null> {
    const row = await this.db.get<{ permission: Permission }>(
      "SELECT permission FROM registered_model_permissions WHERE name = ? AND user_id = ?",
      [name, userId],
    );
    return row?.permission ?? null;
  }

  /**
   * The creator of an experiment or registered model manages it. The user is read in the same
   * statement, so a user deleted meanwhile is an error (401), never a resource without owner rights.
   */
  async grantOwner(kind: "experiment" | "model", resource: number | string, userId: number): Promise<void> {
    const [table, column] =
      kind === "experiment"
        ? ["experiment_permissions", "experiment_id"]
        : ["registered_model_permissions", "name"];
    const row = await this.db.get(
      `INSERT INTO ${table} (${column}, user_id, permission) SELECT ?, id, 'MANAGE' FROM users WHERE id = ?
       ON CONFLICT (${column}, user_id) DO UPDATE SET permission = 'MANAGE' RETURNING user_id`,
      [resource, userId],
    );
    if (!row) throw new MlflowError("UNAUTHENTICATED", "Your user no longer exists.");
  }

  async setExperimentPermission(
    experimentId: number,
    userId: number,
    permission: Permission,
    create: boolean,
  ) {
    await this.setPermission(
      "experiment_permissions",
      "experiment_id",
      experimentId,
      userId,
      permission,
      create,
    );
  }

  async setModelPermission(name: string, userId: number, permission: Permission, create: boolean) {
    await this.setPermission("registered_model_permissions", "name", name, userId, permission, create);
  }

  private async setPermission(
    table: string,
    column: string,
    resource: string | number,
    userId: number,
    permission: Permission,
    create: boolean,
  ): Promise<void> {
    if (create) {
      const row = await this.db.get(
        `INSERT INTO ${table} (${column}, user_id, permission) VALUES (?, ?, ?) ON CONFLICT DO NOTHING RETURNING user_id`,
        [resource, userId, permission],
      );
      if (!row)
        throw new MlflowError(
          "RESOURCE_ALREADY_EXISTS",
          "This permission already exists; update it instead.",
        );
      return;
    }
    const { changes } = await this.db.run(
      `UPDATE ${table} SET permission = ? WHERE ${column} = ? AND user_id = ?`,
      [permission, resource, userId],
    );
    if (changes === 0) throw notFound("No such permission; create it first.");
  }

  async deleteExperimentPermission(experimentId: number, userId: number): Promise<void> {
    const { changes } = await this.db.run(
      "DELETE FROM experiment_permissions WHERE experiment_id = ? AND user_id = ?",
      [experimentId, userId],
    );
    if (changes === 0) throw notFound("No such experiment permission.");
  }

  async deleteModelPermission(name: string, userId: number): Promise<void> {
    const { changes } = await this.db.run(
      "DELETE FROM registered_model_permissions WHERE name = ? AND user_id = ?",
      [name, userId],
    );
    if (changes === 0) throw notFound("No such registered model permission.");
  }
}

// bcrypt hash (same cost as real ones) of 32 random bytes that were thrown away, compared against when
// the user does not exist. A constant: hashing one at run time blocked the first such login for
// hundreds of milliseconds.
const DUMMY_HASH = "$2b$10$agjrmhl6kjolFnonIR6XnuWYwrpLQOw0dLAuL1ul5vq71gW7HcTx6";
