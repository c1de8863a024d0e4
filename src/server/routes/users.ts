// MLflow's basic-auth API (users and per-resource permissions), so MLflow's own client and scripts
// can administer a Labtrack server. Served only when authentication is on.
import { PERMISSIONS, type Permission } from "../../auth/permissions.js";
import { invalidParameter, MlflowError } from "../../store/errors.js";
import type { Fields } from "../request.js";
import { type RpcRoute, rpc, type ServerContext } from "../rpc.js";

const auth = (ctx: ServerContext) => {
  if (!ctx.auth)
    throw new MlflowError("ENDPOINT_NOT_FOUND", "Authentication is not enabled on this server.", 404);
  return ctx.auth;
};

const permission = (f: Fields): Permission => {
  const p = f.string("permission");
  if (!(PERMISSIONS as readonly string[]).includes(p)) {
    throw invalidParameter(`Invalid permission '${p}'. It must be one of ${PERMISSIONS.join(", ")}.`);
  }
  return p as Permission;
};

const encodeUser = (u: { id: number; username: string; isAdmin: boolean }) => ({
  id: u.id,
  username: u.username,
  is_admin: u.isAdmin,
});

async function experimentAndUser(f: Fields, ctx: ServerContext) {
  const experiment = await ctx.store.getExperiment(f.id("experiment_id"));
  const user = await auth(ctx).users.get(f.string("username"));
  return { experimentId: Number(experiment.experimentId), user };
}

async function modelAndUser(f: Fields, ctx: ServerContext) {
  const model = await ctx.registry.getRegisteredModel(f.string("name"));
  const user = await auth(ctx).users.get(f.string("username"));
  return { name: model.name, user };
}

export const userRoutes: RpcRoute[] = [
  rpc("POST", "/mlflow/users/create", async (f, ctx) => {
    const user = await auth(ctx).users.create(f.string("username"), f.string("password"));
    return { user: encodeUser(user) };
  }),
  rpc("GET", "/mlflow/users/get", async (f, ctx) => ({
    user: encodeUser(await auth(ctx).users.get(f.string("username"))),
  })),
  rpc("PATCH", "/mlflow/users/update-password", async (f, ctx) => {
    const a = auth(ctx);
    await a.users.updatePassword(f.string("username"), f.string("password"));
    a.authenticator.invalidate();
    return {};
  }),
  rpc("PATCH", "/mlflow/users/update-admin", async (f, ctx) => {
    const a = auth(ctx);
    const isAdmin = f.optionalBool("is_admin");
    if (isAdmin === undefined) throw invalidParameter("Missing value for required parameter 'is_admin'.");
    await a.users.updateAdmin(f.string("username"), isAdmin);
    a.authenticator.invalidate();
    return {};
  }),
  rpc("DELETE", "/mlflow/users/delete", async (f, ctx) => {
    const a = auth(ctx);
    await a.users.delete(f.string("username"));
    a.authenticator.invalidate();
    return {};
  }),

  // Labtrack's own: lift a login lock before its window ends, and revoke a user's access tokens.
  rpc("PATCH", "/mlflow/users/unlock", async (f, ctx) => {
    await auth(ctx).users.clearLoginFailures(f.string("username"));
    return {};
  }),
  rpc("DELETE", "/mlflow/users/tokens/delete", async (f, ctx) => {
    const a = auth(ctx);
    const revoked = await a.users.revokeTokens(f.string("username"));
    a.authenticator.invalidate();
    return { revoked };
  }),

  rpc("POST", "/mlflow/experiments/permissions/create", async (f, ctx) => {
    const { experimentId, user } = await experimentAndUser(f, ctx);
    const p = permission(f);
    await auth(ctx).users.setExperimentPermission(experimentId, user.id, p, true);
    return {
      experiment_permission: { experiment_id: String(experimentId), user_id: user.id, permission: p },
    };
  }),
  rpc("GET", "/mlflow/experiments/permissions/get", async (f, ctx) => {
    const { experimentId, user } = await experimentAndUser(f, ctx);
    const p = await auth(ctx).users.experimentPermission(experimentId, user.id);
    if (!p) throw new MlflowError("RESOURCE_DOES_NOT_EXIST", "No such experiment permission.");
    return {
      experiment_permission: { experiment_id: String(experimentId), user_id: user.id, permission: p },
    };
  }),
  rpc("PATCH", "/mlflow/experiments/permissions/update", async (f, ctx) => {
    const { experimentId, user } = await experimentAndUser(f, ctx);
    await auth(ctx).users.setExperimentPermission(experimentId, user.id, permission(f), false);
    return {};
  }),
  rpc("DELETE", "/mlflow/experiments/permissions/delete", async (f, ctx) => {
    const { experimentId, user } = await experimentAndUser(f, ctx);
    await auth(ctx).users.deleteExperimentPermission(experimentId, user.id);
    return {};
  }),

  rpc("POST", "/mlflow/registered-models/permissions/create", async (f, ctx) => {
    const { name, user } = await modelAndUser(f, ctx);
    const p = permission(f);
    await auth(ctx).users.setModelPermission(name, user.id, p, true);
    return { registered_model_permission: { name, user_id: user.id, permission: p } };
  }),
  rpc("GET", "/mlflow/registered-models/permissions/get", async (f, ctx) => {
    const { name, user } = await modelAndUser(f, ctx);
    const p = await auth(ctx).users.modelPermission(name, user.id);
    if (!p) throw new MlflowError("RESOURCE_DOES_NOT_EXIST", "No such registered model permission.");
    return { registered_model_permission: { name, user_id: user.id, permission: p } };
  }),
  rpc("PATCH", "/mlflow/registered-models/permissions/update", async (f, ctx) => {
    const { name, user } = await modelAndUser(f, ctx);
    await auth(ctx).users.setModelPermission(name, user.id, permission(f), false);
    return {};
  }),
  rpc("DELETE", "/mlflow/registered-models/permissions/delete", async (f, ctx) => {
    const { name, user } = await modelAndUser(f, ctx);
    await auth(ctx).users.deleteModelPermission(name, user.id);
    return {};
  }),
];
