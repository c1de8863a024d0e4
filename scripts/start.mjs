#!/usr/bin/env node
// `npm start` on a fresh clone: installs and builds what is missing, then runs `labtrack start`.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { cwd: root, stdio: "inherit" });
  if (r.status !== 0) {
    console.error(`labtrack: '${cmd} ${args.join(" ")}' failed; run it yourself to see why`);
    process.exit(r.status ?? 1);
  }
};

const newest = (dir) => {
  let t = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    t = Math.max(t, entry.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
};

if (!existsSync(join(root, "node_modules", ".package-lock.json"))) {
  console.log("labtrack: installing dependencies (npm ci)…");
  run("npm", ["ci", "--no-audit", "--no-fund"]);
}
const built = join(root, "lib", "cli", "main.js");
if (!existsSync(built) || newest(join(root, "src")) > statSync(built).mtimeMs) {
  console.log("labtrack: building (npm run build)…");
  run("npm", ["run", "build"]);
}
const r = spawnSync(process.execPath, [join(root, "bin", "labtrack.js"), "start", ...process.argv.slice(2)], {
  cwd: root,
  stdio: "inherit",
});
process.exit(r.status ?? 0);
