// An RPC route of MLflow's REST API: one path, the methods its proto declares, and a handler that turns
// decoded fields into a response message.
import type { ArtifactStore } from "../artifacts/store.js";
import type { Authorizer } from "../auth/authorizer.js";
import type { RegistryStore } from "../store/registry-types.js";
import type { TrackingStore } from "../store/types.js";
import type { Fields } from "./request.js";

export type HttpMethod = "GET" | "POST" | "PATCH" | "DELETE";

export interface ServerContext {
  readonly store: TrackingStore;
  readonly registry: RegistryStore;
  /** The server's own artifact store, or null when it does not serve artifacts. */
  readonly artifacts: ArtifactStore | null;
  /** Authentication and permissions, or null when the server is open (the single-user default). */
  readonly auth: Authorizer | null;
}

export interface RpcRoute {
  /** Path after the API prefix, e.g. `/mlflow/runs/create`. */
  readonly path: string;
  readonly methods: readonly HttpMethod[];
  readonly handler: (fields: Fields, ctx: ServerContext) => Promise<Record<string, unknown>>;
}

export const rpc = (
  methods: HttpMethod | readonly HttpMethod[],
  path: string,
  handler: RpcRoute["handler"],
): RpcRoute => ({ path, methods: typeof methods === "string" ? [methods] : methods, handler });
