// `labtrack users …`: the one-time admin bootstrap and access tokens, on the server's own database.
import type { Command } from "commander";
import { UserStore } from "../auth/user-store.js";
import { open, type ServerOptions } from "./server.js";
import { UsageError } from "./store-uri.js";

/** A password piped on stdin (never an argument: it would show in `ps`), without its final newline. */
export async function passwordFromStdin(whenTerminal: string): Promise<string> {
  if (process.stdin.isTTY) throw new UsageError(whenTerminal);
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
}

async function readPassword(): Promise<string> {
  const fromEnv = process.env.LABTRACK_ADMIN_PASSWORD;
  if (fromEnv) return fromEnv;
  return passwordFromStdin("set LABTRACK_ADMIN_PASSWORD or pipe the password on stdin");
}

/** The server options that only open a server's database (for the `users` commands). */
export const storeOptions = (o: { backendStoreUri?: string; dataDir: string }): ServerOptions => ({
  backendStoreUri: o.backendStoreUri,
  dataDir: o.dataDir,
  host: "127.0.0.1",
  port: "0",
  workers: "1",
  defaultPermission: "READ",
});

export function registerUsersCommand(program: Command): void {
  const users = program.command("users").description("Manage the users of a server with authentication on");
  const withStore = (c: Command) =>
    c
      .option("--backend-store-uri <uri>", "the server's database (as for labtrack server)")
      .option("--data-dir <dir>", "the server's data directory", ".labtrack");

  withStore(users.command("create-admin").requiredOption("--username <name>", "the admin's user name"))
    .description("Create an admin (password from LABTRACK_ADMIN_PASSWORD or stdin)")
    .action(async (o: { username: string; backendStoreUri?: string; dataDir: string }) => {
      const stores = await open(storeOptions(o));
      try {
        await new UserStore(stores.driver).create(o.username, await readPassword(), true);
        process.stdout.write(`admin '${o.username}' created\n`);
      } catch (e) {
        throw new UsageError((e as Error).message);
      } finally {
        await stores.close();
      }
    });

  withStore(users.command("create-token").requiredOption("--username <name>", "whose token"))
    .description("Print a new bearer token for a user (use it as MLFLOW_TRACKING_TOKEN)")
    .action(async (o: { username: string; backendStoreUri?: string; dataDir: string }) => {
      const stores = await open(storeOptions(o));
      try {
        process.stdout.write(`${await new UserStore(stores.driver).createToken(o.username)}\n`);
      } catch (e) {
        throw new UsageError((e as Error).message);
      } finally {
        await stores.close();
      }
    });
}
