// MLflow's permission levels: each includes the ones before it.
export type Permission = "READ" | "EDIT" | "MANAGE" | "NO_PERMISSIONS";
export const PERMISSIONS: readonly Permission[] = ["READ", "EDIT", "MANAGE", "NO_PERMISSIONS"];

const RANK: Record<Permission, number> = { NO_PERMISSIONS: 0, READ: 1, EDIT: 2, MANAGE: 3 };

export const allows = (held: Permission, needed: Exclude<Permission, "NO_PERMISSIONS">): boolean =>
  RANK[held] >= RANK[needed];
