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
    const hash = row?.password_hash ?? dummyHash();
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
    const { changes } = await this.db.run("UPDATE users SET password_hash = ? WHERE username = ?", [
      hash,
      username,
    ]);
    if (changes === 0) throw notFound(`User with username=${username} not found`);
  }

  async updateAdmin(username: string, isAdmin: boolean): Promise<void> {
    const { changes } = await this.db.run("UPDATE users SET is_admin = ? WHERE username = ?", [
      isAdmin ? 1 : 0,
      username,
    ]);
    if (changes === 0) throw notFound(`User with username=${username} not found`);
  }

  async delete(username: string): Promise<void> {
    const { changes } = await this.db.run("DELETE FROM users WHERE username = ?", [username]);
    if (changes === 0) throw notFound(`User with username=${username} not found`);
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

// bcrypt hash of a random string nobody knows, compared against when the user does not exist; made on
// first use so that a server without authentication never pays for it.
let dummy: string | undefined;
const dummyHash = (): string => {
  dummy ??= bcrypt.hashSync(randomBytes(16).toString("hex"), BCRYPT_ROUNDS);
  return dummy;
};
