// How `labtrack run` numbers its cells' runs against a real `labtrack server`: the numbers learnt once
// while the kernel starts, each run created at once with its guessed number, and a number another
// process took meanwhile corrected while the code runs, before the run ends.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keepAliveFetch } from "../../src/cli/run-http.js";
import { RestClient } from "../../src/client/rest.js";
import { CellRun, learnRunNumbers, TAGS } from "../../src/tracking/cell-run.js";
import { type RunningServer, startServer } from "../helpers/server.js";

let server: RunningServer;

beforeAll(async () => {
  server = await startServer();
}, 60_000);

afterAll(async () => {
  await server?.dispose();
});

describe("run numbers, headless", () => {
  it("learnt up front, guessed at creation, a number taken meanwhile corrected before the run ends", async () => {
    const setup = new RestClient({ trackingUri: server.url, retries: 0 });
    const experimentId = await setup.createExperiment(`numbers-${Date.now()}`);
    const start = (client: RestClient, runName: string) =>
      CellRun.start(client, { experimentId, runName, notebookPath: "nbs/a.ipynb", checkNumberLater: true });
    // Earlier executions (other processes) ran `fit` twice.
    for (let i = 0; i < 2; i++) {
      const run = await start(new RestClient({ trackingUri: server.url }), "fit");
      await run.end("FINISHED");
    }

    // This process learns the next numbers of its cells' names at once: `fit` #3, `eval` (never run) 1;
    // its runs are then created with them.
    // What this process's client sends, in order: no search is answered before a run's creation is sent.
    const events: string[] = [];
    const client = new RestClient({
      trackingUri: server.url,
      fetch: async (input, init) => {
        const what = String(input).split("/mlflow/")[1];
        events.push(`sent ${what}`);
        const response = await keepAliveFetch(input, init);
        events.push(`answered ${what}`);
        return response;
      },
    });
    await learnRunNumbers(client, experimentId, "nbs/a.ipynb", ["fit", "eval", "fit"]);
    expect(events.filter((e) => e === "sent runs/search")).toHaveLength(2);
    events.length = 0;
    const fit = await start(client, "fit");
    expect(fit.runName).toBe("fit #3");
    const created = events.indexOf("sent runs/create");
    expect(created).toBeGreaterThanOrEqual(0);
    expect(events.slice(0, created).filter((e) => e.startsWith("answered"))).toEqual([]);
    const evaluation = await start(client, "eval");
    expect(evaluation.runName).toBe("eval");
    await Promise.all([fit.end("FINISHED"), evaluation.end("FINISHED")]);

    // Another process takes the number this one guesses next (#4) while its run is being created:
    // the run starts as `fit #4` and has the next free number by the time it has ended.
    const other = await start(new RestClient({ trackingUri: server.url }), "fit");
    expect(other.runName).toBe("fit #4");
    const late = await start(client, "fit");
    await late.end("FINISHED");
    await other.end("FINISHED");
    expect(late.runName).toBe("fit #5");
    const got = await setup.getRun(late.runId);
    expect(got.info.run_name).toBe("fit #5");
    expect(got.data.tags?.find((t) => t.key === TAGS.runNumber)?.value).toBe("5");
  }, 60_000);
});
