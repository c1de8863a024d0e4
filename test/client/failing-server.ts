// A real HTTP server on 127.0.0.1 that answers runs/log-batch the way a troubled tracking server would:
// each request asks `script` what to do (accept, answer an error status, or reset the connection).
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedBatch {
  runId: string;
  metrics: { key: string; value: number | string; timestamp: number; step: number }[];
  params: { key: string; value: string }[];
  tags: { key: string; value: string }[];
  authorization: string | undefined;
}

export type Action =
  | "ok"
  | "reset"
  | { status: number; body?: Record<string, unknown>; headers?: Record<string, string> };

export interface FailingServer {
  url: string;
  port: number;
  batches: ReceivedBatch[];
  /** Requests seen, accepted or not. */
  requests: number;
  /** Most log-batch requests in progress at once. */
  maxInFlight: number;
  script: (batch: ReceivedBatch, n: number) => Action;
  close(): Promise<void>;
}

export async function startFailingServer(port = 0): Promise<FailingServer> {
  let inFlight = 0;
  const state: FailingServer = {
    url: "",
    port: 0,
    batches: [],
    requests: 0,
    maxInFlight: 0,
    script: () => "ok",
    close: async () => undefined,
  };
  const server = http.createServer((req, res) => {
    inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, inFlight);
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      // A small delay keeps a request in flight long enough for overlap to show.
      setTimeout(() => {
        inFlight--;
        const n = state.requests++;
        if (req.url !== "/api/2.0/mlflow/runs/log-batch") {
          res.writeHead(404, { "content-type": "application/json" });
          res.end(JSON.stringify({ error_code: "ENDPOINT_NOT_FOUND", message: req.url }));
          return;
        }
        const body = JSON.parse(Buffer.concat(chunks).toString() || "{}");
        const batch: ReceivedBatch = {
          runId: body.run_id,
          metrics: body.metrics ?? [],
          params: body.params ?? [],
          tags: body.tags ?? [],
          authorization: req.headers.authorization,
        };
        const action = state.script(batch, n);
        if (action === "reset") {
          req.socket.destroy();
          return;
        }
        if (action === "ok") {
          state.batches.push(batch);
          res.writeHead(200, { "content-type": "application/json" });
          res.end("{}");
          return;
        }
        res.writeHead(action.status, { "content-type": "application/json", ...action.headers });
        res.end(
          JSON.stringify(action.body ?? { error_code: "TEMPORARILY_UNAVAILABLE", message: "try later" }),
        );
      }, 2);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  state.port = (server.address() as AddressInfo).port;
  state.url = `http://127.0.0.1:${state.port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}
