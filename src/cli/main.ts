// The `labtrack` command.
import { Command, CommanderError } from "commander";
import { VERSION } from "../version.js";
import { registerAuthAdmin } from "./auth-admin.js";
import { registerMaintenanceCommands } from "./maintenance.js";
import { registerRunCommand } from "./run.js";
import { registerServerCommand } from "./server.js";
import { registerStartCommand } from "./start.js";
import { UsageError } from "./store-uri.js";
import { registerUsersCommand } from "./users.js";

const program = new Command("labtrack")
  .description("Labtrack: experiment tracking inside JupyterLab, compatible with MLflow")
  .version(VERSION, "-V, --version")
  .helpOption("--help", "show help")
  .exitOverride();

registerServerCommand(program);
registerStartCommand(program);
registerUsersCommand(program);
registerAuthAdmin(program);
registerMaintenanceCommands(program);
registerRunCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) process.exit(e.exitCode);
  const message = e instanceof UsageError ? e.message : e instanceof Error ? e.message : String(e);
  process.stderr.write(`labtrack: ${message}\n`);
  process.exit(e instanceof UsageError ? 2 : 1);
}
