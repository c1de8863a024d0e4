// Operating a Labtrack database: `labtrack gc` (MLflow's `mlflow gc`: deleted runs and experiments
// removed for good, with their artifacts) and `labtrack db upgrade|version|backup` (`mlflow db
// upgrade`). They act on the database servers use, from the same options and environment variables.
import { resolve } from "node:path";
import { type Command, Option } from "commander";
import { openArtifactStore } from "../artifacts/open.js";
import { safeArtifactPath } from "../artifacts/safe-path.js";
import type { ArtifactStore } from "../artifacts/store.js";
import type { StoreLocation } from "../store/open.js";
import { backupSqlite, latestSchemaVersion, schemaVersion, upgradeSchema } from "../store/schema.js";
import type { PurgedRun, TrackingStore } from "../store/types.js";
import { VERSION } from "../version.js";
import { open } from "./server.js";
import { OPTION_ENV, redactUri } from "./server-config.js";
import { parseStoreUri, UsageError } from "./store-uri.js";

interface StoreFlags {
  backendStoreUri?: string;
  dataDir: string;
}

interface GcFlags extends StoreFlags {
  olderThan?: string;
  artifactsDestination?: string;
  runIds?: string;
  experimentIds?: string;
}

/** The database options of `labtrack server`, with the same defaults and environment variables. */
function storeOptions(command: Command): Command {
  return command
    .addOption(
      new Option(
        "--backend-store-uri <uri>",
        "the servers' database: sqlite:///path.db, a file path, or postgresql://… (default: <data-dir>/labtrack.db)",
      ).env(OPTION_ENV.backendStoreUri),
    )
    .addOption(
      new Option("--data-dir <dir>", "the servers' data directory")
        .env(OPTION_ENV.dataDir)
        .default(".labtrack"),
    );
}

const backendUri = (o: StoreFlags): string =>
  o.backendStoreUri ?? `sqlite:///${resolve(o.dataDir, "labtrack.db")}`;

const describe = (location: StoreLocation): string =>
  location.kind === "sqlite" ? location.file : redactUri(location.uri);

/** MLflow's `--older-than`: `#d#h#m#s`, each part optional, floats allowed (`1.5d`, `2h30m`, `0s`). */
export function parseDuration(text: string): number {
  const m = /^(?:([.\d]+?)d)?(?:([.\d]+?)h)?(?:([.\d]+?)m)?(?:([.\d]+?)s)?$/.exec(text.trim());
  const parts = m?.slice(1).map((p) => (p === undefined ? 0 : Number(p)));
  if (!m || text.trim() === "" || !parts || parts.some((n) => !Number.isFinite(n))) {
    throw new UsageError(
      `Could not parse any time information from '${text}'. Examples of valid strings: '8h', '2d8h5m20s', '2m4s'`,
    );
  }
  const [d, h, min, s] = parts as [number, number, number, number];
  return Math.round((((d * 24 + h) * 60 + min) * 60 + s) * 1000);
}

const idList = (text: string | undefined): string[] | undefined =>
  text === undefined
    ? undefined
    : [
        ...new Set(
          text
            .split(",")
            .map((s) => s.trim())
            .filter((s) => s),
        ),
      ];

/**
 * Where an owner's artifacts are, to delete them: `mlflow-artifacts:/…` in the servers' artifact
 * destination, anything else a store of its own. Labtrack lays them out as `…/<owner id>/artifacts`,
 * so the owner's whole directory goes. Never a store's root: that would be everyone's artifacts.
 */
async function removeArtifacts(
  uri: string,
  ownerId: string,
  destination: () => Promise<ArtifactStore>,
): Promise<void> {
  const own = (path: string) =>
    path.endsWith(`${ownerId}/artifacts`) ? path.slice(0, -"/artifacts".length) : path;
  const proxied = /^mlflow-artifacts:(?:\/\/[^/]*)?\/?(.*)$/.exec(uri);
  if (proxied) {
    const path = own(safeArtifactPath(proxied[1] as string));
    if (path === "") throw new Error("it is the root of the artifact destination");
    await (await destination()).delete(path);
    return;
  }
  const target = own(uri.replace(/\/+$/, ""));
  if (/^s3:\/\/[^/]*$/.test(target) || /^(file:\/*)?$/.test(target) || target === "/")
    throw new Error("it is the root of a store");
  await (await openArtifactStore(target)).delete("");
}

async function gc(o: GcFlags): Promise<number> {
  const ageMs = o.olderThan === undefined ? null : parseDuration(o.olderThan);
  const runIds = idList(o.runIds);
  const experimentIds = idList(o.experimentIds);
  const destinationUri = o.artifactsDestination ?? resolve(o.dataDir, "artifacts");
  let destinationStore: Promise<ArtifactStore> | undefined;
  const destination = () => {
    destinationStore ??= openArtifactStore(destinationUri);
    return destinationStore;
  };

  const stores = await open({
    backendStoreUri: backendUri(o),
    dataDir: o.dataDir,
    host: "127.0.0.1",
    port: "0",
    workers: "1",
    defaultPermission: "READ",
    // A maintenance command does not wait for a database that is down, unless asked to.
    dbWait: process.env.LABTRACK_DB_WAIT ?? "0",
  });
  const store: TrackingStore = stores.tracking;
  try {
    const threshold = ageMs === null ? null : Date.now() - ageMs;
    const old = await store.listDeleted(threshold);
    // Named ids: exactly those (MLflow adds every deleted run or experiment to named ones; removing
    // for good is better limited to what was asked). None named: everything deleted, old enough.
    const named = runIds !== undefined || experimentIds !== undefined;
    const runs = named ? (runIds ?? []) : old.runIds;
    const experiments = named ? (experimentIds ?? []) : old.experimentIds;

    // Everything is checked before anything is removed: one bad id removes nothing.
    for (const id of runs) {
      const run = await store.getRun(id);
      if (run.info.lifecycleStage !== "deleted")
        throw new UsageError(
          `Run ${id} is not in \`deleted\` lifecycle stage. Only runs in \`deleted\` lifecycle stage can be deleted.`,
        );
      if (threshold !== null && !old.runIds.includes(id))
        throw new UsageError(
          `Run ${id} is not older than the required age. Only runs older than ${o.olderThan} can be deleted.`,
        );
    }
    const notDeleted: string[] = [];
    const tooNew: string[] = [];
    for (const id of experiments) {
      const experiment = await store.getExperiment(id);
      if (experiment.lifecycleStage !== "deleted") notDeleted.push(id);
      else if (threshold !== null && !old.experimentIds.includes(id)) tooNew.push(id);
    }
    if (notDeleted.length > 0)
      throw new UsageError(
        `Experiments [${notDeleted.join(", ")}] are not in the deleted lifecycle stage. Only experiments in the deleted lifecycle stage can be hard-deleted.`,
      );
    if (tooNew.length > 0)
      throw new UsageError(
        `Experiments [${tooNew.join(", ")}] are not older than the required age. Only experiments older than ${o.olderThan} can be deleted.`,
      );

    // One transaction per run or experiment; artifacts only once its rows are committed away, so a
    // failure leaves files without rows (said, to remove by hand), never rows without their files.
    const left: string[] = [];
    let removedRuns = 0;
    let removedExperiments = 0;
    let failed = 0;
    const clean = async (what: string, uri: string, ownerId: string) => {
      try {
        await removeArtifacts(uri, ownerId, destination);
      } catch (e) {
        left.push(uri);
        process.stderr.write(
          `labtrack gc: the artifacts of ${what} at ${uri} were not removed (${(e as Error).message}); it is gone from the database: remove them by hand\n`,
        );
      }
    };
    const cleanRun = (run: PurgedRun) => clean(`run ${run.runId}`, run.artifactUri, run.runId);
    for (const id of runs) {
      let purged: PurgedRun;
      try {
        purged = await store.purgeRun(id);
      } catch (e) {
        failed++;
        process.stderr.write(`labtrack gc: run ${id} was not removed: ${(e as Error).message}\n`);
        continue;
      }
      removedRuns++;
      process.stdout.write(`Run with ID ${id} has been permanently deleted.\n`);
      await cleanRun(purged);
    }
    for (const id of experiments) {
      let purged: Awaited<ReturnType<TrackingStore["purgeExperiment"]>>;
      try {
        purged = await store.purgeExperiment(id);
      } catch (e) {
        failed++;
        process.stderr.write(`labtrack gc: experiment ${id} was not removed: ${(e as Error).message}\n`);
        continue;
      }
      removedExperiments++;
      removedRuns += purged.runs.length;
      for (const run of purged.runs) {
        process.stdout.write(`Run with ID ${run.runId} has been permanently deleted.\n`);
        await cleanRun(run);
      }
      for (const model of purged.models)
        await clean(`logged model ${model.modelId}`, model.artifactLocation, model.modelId);
      for (const trace of purged.traces)
        await clean(`trace ${trace.requestId}`, trace.artifactLocation, trace.requestId);
      process.stdout.write(`Experiment with ID ${id} has been permanently deleted.\n`);
    }
    const runWord = removedRuns === 1 ? "run" : "runs";
    const experimentWord = removedExperiments === 1 ? "experiment" : "experiments";
    const leftNote =
      left.length > 0
        ? `; ${left.length} artifact location(s) left to remove by hand: ${left.join(", ")}`
        : "";
    const failedNote = failed > 0 ? `; ${failed} not removed (see above)` : "";
    process.stdout.write(
      `gc: removed ${removedRuns} ${runWord} and ${removedExperiments} ${experimentWord}${leftNote}${failedNote}\n`,
    );
    return left.length > 0 || failed > 0 ? 1 : 0;
  } finally {
    await stores.close();
  }
}

/** The location from a positional URL (as `mlflow db upgrade URL`) or the store options. */
function locationOf(url: string | undefined, o: StoreFlags): StoreLocation {
  return parseStoreUri(url ?? backendUri(o));
}

async function onDatabase<T>(location: StoreLocation, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    // The driver's advice to API clients ("retry the request") means nothing on a command line.
    const reason = (e as Error).message.replace(/; retry the request\.$/, "");
    throw new Error(`cannot use the database at ${describe(location)}: ${reason}`);
  }
}

export function registerMaintenanceCommands(program: Command): void {
  storeOptions(
    program
      .command("gc")
      .description(
        "Permanently delete runs in the `deleted` lifecycle stage, and deleted experiments with their runs, with their artifacts (as mlflow gc). Without ids: every deleted one (older than --older-than).",
      ),
  )
    .option(
      "--older-than <age>",
      "only what was deleted longer ago than this: #d#h#m#s, floats allowed (e.g. 30d, 1d2h3m4s, 0s)",
    )
    .addOption(
      new Option(
        "--artifacts-destination <uri>",
        "the servers' --artifacts-destination, where mlflow-artifacts:/ URIs live (default: <data-dir>/artifacts)",
      ).env(OPTION_ENV.artifactsDestination),
    )
    .option("--run-ids <ids>", "comma-separated deleted runs to remove (only these)")
    .option("--experiment-ids <ids>", "comma-separated deleted experiments to remove with all their runs")
    .action(async (o: GcFlags) => {
      process.exitCode = await gc(o);
    });

  const db = program.command("db").description("The database's schema: version, upgrade, backup");

  storeOptions(db.command("version").argument("[url]", "the database (instead of --backend-store-uri)"))
    .description("Print the database's schema version and the newest this Labtrack knows")
    .action(async (url: string | undefined, o: StoreFlags) => {
      const location = locationOf(url, o);
      const current = await onDatabase(location, () => schemaVersion(location));
      const latest = latestSchemaVersion(location.kind);
      const advice =
        current < latest
          ? "; run 'labtrack db upgrade' (servers also upgrade on start)"
          : current > latest
            ? "; the database is newer than this Labtrack: upgrade Labtrack"
            : " (up to date)";
      process.stdout.write(
        `database ${describe(location)}: schema version ${current}\nlabtrack ${VERSION}: newest schema version ${latest}${advice}\n`,
      );
    });

  storeOptions(db.command("upgrade").argument("[url]", "the database (instead of --backend-store-uri)"))
    .description("Migrate the database's schema forward to this Labtrack's (migrations are forward-only)")
    .action(async (url: string | undefined, o: StoreFlags) => {
      const location = locationOf(url, o);
      const { from, to } = await onDatabase(location, () => upgradeSchema(location));
      process.stdout.write(
        from === to
          ? `database ${describe(location)}: schema version ${to}, already up to date\n`
          : `database ${describe(location)}: upgraded the schema from version ${from} to ${to}\n`,
      );
    });

  storeOptions(db.command("backup").argument("[url]", "the database (instead of --backend-store-uri)"))
    .description("Copy a SQLite database consistently while servers use it (PostgreSQL: use pg_dump)")
    .requiredOption("--to <file>", "the backup file to write")
    .action(async (url: string | undefined, o: StoreFlags & { to: string }) => {
      const location = locationOf(url, o);
      if (location.kind !== "sqlite")
        throw new UsageError("db backup copies SQLite databases; back up PostgreSQL with pg_dump");
      const target = resolve(o.to);
      await onDatabase(location, () => backupSqlite(location.file, target));
      process.stdout.write(`database ${location.file}: backed up to ${target}\n`);
    });
}
