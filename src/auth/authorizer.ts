// What a user may do: admins everything; others what their permission on the experiment (runs
// inherit it) or registered model allows, else the server's default permission.
import type { FastifyRequest } from "fastify";
import { MlflowError } from "../store/errors.js";
import type { TrackingStore } from "../store/types.js";
import { Authenticator } from "./authenticator.js";
import { clientAddress, type LoginLimits, loginLimitsFrom } from "./login-limits.js";
import { allows, type Permission } from "./permissions.js";
import type { RequestFields } from "./request-fields.js";
import { type Level, type Rule, runIdOf } from "./rules.js";
import type { User, UserStore } from "./user-store.js";

type Body = Record<string, unknown>;

export interface AuthOptions {
  defaultPermission: Permission;
  /** Login limits and trusted proxies; by default from the environment (`labtrack server` sets it from its flags). */
  login?: LoginLimits;
}

const forbidden = (what: string): MlflowError =>
  new MlflowError("PERMISSION_DENIED", `Permission denied: you may not ${what}.`);

export class Authorizer {
  readonly authenticator: Authenticator;
  private readonly callers = new WeakMap<FastifyRequest, User>();

  constructor(
    readonly users: UserStore,
    private readonly store: TrackingStore,
    private readonly options: AuthOptions,
  ) {
    this.authenticator = new Authenticator(users, options.login ?? loginLimitsFrom(process.env));
  }

  authenticate(request: FastifyRequest): Promise<User> {
    const address = clientAddress(
      request.socket.remoteAddress,
      request.headers["x-forwarded-for"],
      this.authenticator.limits.trustedProxies,
    );
    return this.authenticator.authenticate(request.headers.authorization, address).then((user) => {
      this.callers.set(request, user);
      return user;
    });
  }

  /** The user `request` authenticated as, once it has (the access log names them). */
  callerOf(request: FastifyRequest): User | undefined {
    return this.callers.get(request);
  }

  async experimentPermission(user: User, experimentId: string): Promise<Permission> {
    if (user.isAdmin) return "MANAGE";
    const id = Number(experimentId);
    if (!Number.isSafeInteger(id)) return this.options.defaultPermission;
    return (await this.users.experimentPermission(id, user.id)) ?? this.options.defaultPermission;
  }

  async modelPermission(user: User, name: string): Promise<Permission> {
    if (user.isAdmin) return "MANAGE";
    return (await this.users.modelPermission(name, user.id)) ?? this.options.defaultPermission;
  }

  async requireExperiment(user: User, experimentId: string, level: Level): Promise<void> {
    if (!allows(await this.experimentPermission(user, experimentId), level)) {
      throw forbidden(`${verb(level)} experiment ${experimentId}`);
    }
  }

  async requireRun(user: User, runId: string, level: Level): Promise<void> {
    const experimentId = await this.store.getRunExperimentId(runId);
    if (!allows(await this.experimentPermission(user, experimentId), level)) {
      throw forbidden(`${verb(level)} run ${runId}`);
    }
  }

  async requireLoggedModel(user: User, modelId: string, level: Level): Promise<void> {
    const experimentId = await this.store.getLoggedModelExperimentId(modelId);
    if (!allows(await this.experimentPermission(user, experimentId), level)) {
      throw forbidden(`${verb(level)} logged model ${modelId}`);
    }
  }

  async requireTrace(user: User, requestId: string, level: Level): Promise<void> {
    const experimentId = await this.store.getTraceExperimentId(requestId);
    if (!allows(await this.experimentPermission(user, experimentId), level)) {
      throw forbidden(`${verb(level)} trace ${requestId}`);
    }
  }

  async requireModel(user: User, name: string, level: Level): Promise<void> {
    if (!allows(await this.modelPermission(user, name), level))
      throw forbidden(`${verb(level)} registered model '${name}'`);
  }

  /** Checks a request against its route's rule before the handler runs. */
  async check(rule: Rule, user: User, f: RequestFields): Promise<void> {
    if (user.isAdmin) return;
    switch (rule.kind) {
      case "authenticated":
      case "filtered":
        return;
      case "admin":
        if (!user.isAdmin) throw forbidden("administer users (admins only)");
        return;
      case "self-or-admin":
        if (!user.isAdmin && f.string("username") !== user.username) throw forbidden("act on another user");
        return;
      case "experiment": {
        const id = f.has("experiment_id")
          ? f.id("experiment_id")
          : (await this.store.getExperimentByName(f.string("experiment_name"))).experimentId;
        return this.requireExperiment(user, id, rule.level);
      }
      case "run":
        return this.requireRun(user, runIdOf(f), rule.level);
      case "runs":
        for (const id of new Set(f.stringList(rule.field ?? "run_ids")))
          await this.requireRun(user, id, rule.level);
        return;
      case "experiments":
        for (const id of new Set(f.stringList("experiment_ids", { ids: true }))) {
          await this.requireExperiment(user, id, rule.level);
        }
        return;
      case "model":
        return this.requireModel(user, f.string("name"), rule.level);
      case "logged-model":
        return this.requireLoggedModel(user, f.string("model_id"), rule.level);
      case "trace":
        return this.requireTrace(user, f.string("request_id"), rule.level);
    }
  }

  /** After the handler: searches keep only what the user may read; creators manage what they made. */
  async after(rule: Rule, user: User, body: Body): Promise<Body> {
    if (user.isAdmin) return body;
    if (rule.kind === "authenticated" && rule.grantCreator === "experiment") {
      await this.users.grantOwner("experiment", Number(body.experiment_id), user.id);
    }
    if (rule.kind === "authenticated" && rule.grantCreator === "model") {
      await this.users.grantOwner("model", (body.registered_model as { name: string }).name, user.id);
    }
    if (rule.kind !== "filtered") return body;
    const key = {
      experiments: "experiments",
      runs: "runs",
      models: "registered_models",
      versions: "model_versions",
      "logged-models": "models",
      traces: "traces",
    }[rule.resource];
    const items = body[key] as Body[] | undefined;
    if (!items) return body;
    const kept: Body[] = [];
    for (const item of items) {
      const readable =
        rule.resource === "experiments" || rule.resource === "traces"
          ? await this.experimentPermission(user, String(item.experiment_id))
          : rule.resource === "runs" || rule.resource === "logged-models"
            ? await this.experimentPermission(user, String((item.info as Body).experiment_id))
            : await this.modelPermission(user, String(item.name));
      if (allows(readable, "READ")) kept.push(item);
    }
    const out = { ...body };
    if (kept.length > 0) out[key] = kept;
    else delete out[key];
    return out;
  }
}

const verb = (level: Level): string => (level === "READ" ? "read" : level === "EDIT" ? "edit" : "manage");
