// Authentication settings of `labtrack server` (login limits, trusted proxies) and the `labtrack users`
// commands that act on a running team's database: unlock a name, set a password, revoke tokens. Every
// change bumps the authentication version, so running servers apply it within a second.
import type { Command } from "commander";
import { LOGIN_ENV, LoginSettingsError, loginLimitsFrom } from "../auth/login-limits.js";
import { UserStore } from "../auth/user-store.js";
import { open } from "./server.js";
import { UsageError } from "./store-uri.js";
import { passwordFromStdin, storeOptions } from "./users.js";

interface LoginFlags {
  trustedProxies?: string;
  loginMaxFailures?: string;
  loginWindowSeconds?: string;
}

/** Adds the login flags to `labtrack server`; they set the environment the server reads (and workers inherit). */
function extendServer(server: Command): void {
  server
    .option(
      "--trusted-proxies <addresses>",
      `proxies whose X-Forwarded-For names the client, comma-separated IPs or CIDRs (env ${LOGIN_ENV.trustedProxies}; default: none)`,
    )
    .option(
      "--login-max-failures <n>",
      `failed logins of one user name from one client within the window before it is locked (env ${LOGIN_ENV.maxFailures}; default: 10)`,
    )
    .option(
      "--login-window-seconds <seconds>",
      `how long failed logins count and a lock lasts (env ${LOGIN_ENV.windowSeconds}; default: 60)`,
    )
    .hook("preAction", (command) => {
      const flags = command.opts<LoginFlags>();
      if (flags.trustedProxies !== undefined) process.env[LOGIN_ENV.trustedProxies] = flags.trustedProxies;
      if (flags.loginMaxFailures !== undefined) process.env[LOGIN_ENV.maxFailures] = flags.loginMaxFailures;
      if (flags.loginWindowSeconds !== undefined)
        process.env[LOGIN_ENV.windowSeconds] = flags.loginWindowSeconds;
      // Refuse a bad value at start, not at the first login.
      try {
        loginLimitsFrom(process.env);
      } catch (e) {
        throw e instanceof LoginSettingsError ? new UsageError(e.message) : e;
      }
    });
}

const readPassword = (): Promise<string> => passwordFromStdin("pipe the new password on stdin");

type StoreFlags = { username: string; backendStoreUri?: string; dataDir: string };

/** Runs `fn` on the users of the server's database, with store errors as usage errors. */
async function withUsers(o: StoreFlags, fn: (users: UserStore) => Promise<string>): Promise<void> {
  const stores = await open(storeOptions(o));
  try {
    process.stdout.write(`${await fn(new UserStore(stores.driver))}\n`);
  } catch (e) {
    throw new UsageError((e as Error).message);
  } finally {
    await stores.close();
  }
}

function extendUsers(users: Command): void {
  const command = (name: string, description: string) =>
    users
      .command(name)
      .description(description)
      .requiredOption("--username <name>", "the user")
      .option("--backend-store-uri <uri>", "the server's database (as for labtrack server)")
      .option("--data-dir <dir>", "the server's data directory", ".labtrack");

  command("unlock", "Lift the login lock of a user name (from every address) before its window ends").action(
    (o: StoreFlags) =>
      withUsers(
        o,
        async (u) => `${o.username}: ${await u.clearLoginFailures(o.username)} lock record(s) cleared`,
      ),
  );
  command(
    "set-password",
    "Set a user's password (read from stdin): e.g. to rotate the admin's, or when it is lost",
  ).action(async (o: StoreFlags) => {
    const password = await readPassword();
    await withUsers(o, async (u) => {
      await u.updatePassword(o.username, password);
      return `password of '${o.username}' changed`;
    });
  });
  command("revoke-tokens", "Revoke every access token of a user").action((o: StoreFlags) =>
    withUsers(o, async (u) => `${await u.revokeTokens(o.username)} token(s) of '${o.username}' revoked`),
  );
}

/** Called once by the CLI's main file, after the server and users commands are registered. */
export function registerAuthAdmin(program: Command): void {
  const find = (name: string) => {
    const found = program.commands.find((c) => c.name() === name);
    if (!found) throw new Error(`the '${name}' command must be registered before registerAuthAdmin`);
    return found;
  };
  extendServer(find("server"));
  extendUsers(find("users"));
}
