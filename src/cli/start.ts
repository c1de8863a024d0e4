// `labtrack start`: everything a user needs in one command. Starts the tracking server on SQLite in a
// data directory and prints where it is.
import { resolve } from "node:path";
import type { Command } from "commander";
import { runServer } from "./server.js";

export interface StartOptions {
  dataDir: string;
  port: string;
  host: string;
}

export function registerStartCommand(program: Command): void {
  program
    .command("start")
    .description("Start Labtrack: the tracking server on SQLite in a data directory")
    .option("--data-dir <dir>", "where runs and artifacts are kept", ".labtrack")
    .option("-p, --port <port>", "tracking server port", "5000")
    .option("-h, --host <host>", "tracking server address", "127.0.0.1")
    .action(async (options: StartOptions) => {
      const dataDir = resolve(options.dataDir);
      process.stdout.write(`Labtrack: data in ${dataDir}; Ctrl-C stops everything\n`);
      await runServer({
        host: options.host,
        port: options.port,
        dataDir,
        workers: "1",
        defaultPermission: "READ",
      });
    });
}
