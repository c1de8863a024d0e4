// vitest globalSetup: when LABTRACK_TEST_BACKEND=postgres, one throwaway PostgreSQL cluster serves the
// whole run; every server started by the tests gets its own database in it.
import type { TestProject } from "vitest/node";
import { type PgCluster, startPostgres } from "../helpers/postgres.js";

declare module "vitest" {
  export interface ProvidedContext {
    pgPort: number;
  }
}

let cluster: PgCluster | undefined;

export async function setup(project: TestProject): Promise<void> {
  if (process.env.LABTRACK_TEST_BACKEND !== "postgres") return;
  cluster = await startPostgres();
  project.provide("pgPort", cluster.port);
}

export async function teardown(): Promise<void> {
  cluster?.destroy();
}
