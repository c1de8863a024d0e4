// The tags MLflow's client sets on every run it creates (mlflow.user, mlflow.source.*), so that runs
// logged from TypeScript look the same in any MLflow UI.
import { env, nodeModules } from "./node.js";

export const TAG_USER = "mlflow.user";
export const TAG_SOURCE_NAME = "mlflow.source.name";
export const TAG_SOURCE_TYPE = "mlflow.source.type";
export const TAG_GIT_COMMIT = "mlflow.source.git.commit";
export const TAG_RUN_NAME = "mlflow.runName";
export const TAG_PARENT_RUN_ID = "mlflow.parentRunId";
export const TAG_NOTE = "mlflow.note.content";

/** Inside a Jupyter kernel (tslab or any other) MLflow says NOTEBOOK. */
export function insideKernel(vars = env()): boolean {
  if (vars.JPY_PARENT_PID || vars.JPY_SESSION_NAME) return true;
  const argv = globalThis.process?.argv ?? [];
  return argv.some((a) => /(^|[/\\])tslab([/\\]|$)/.test(a));
}

export async function systemTags(vars = env()): Promise<Record<string, string>> {
  const tags: Record<string, string> = {};
  const user = vars.LOGNAME || vars.USER || vars.USERNAME;
  if (user) tags[TAG_USER] = user;
  const notebook = insideKernel(vars);
  tags[TAG_SOURCE_TYPE] = notebook ? "NOTEBOOK" : "LOCAL";
  const source = (notebook && vars.JPY_SESSION_NAME) || globalThis.process?.argv?.[1];
  if (source) tags[TAG_SOURCE_NAME] = source;
  const commit = await gitCommit().catch(() => undefined);
  if (commit) tags[TAG_GIT_COMMIT] = commit;
  return tags;
}

/**
 * The commit checked out in the git work tree around the current directory, read from .git without
 * spawning git (which may not be installed); undefined outside a work tree or in a browser.
 */
export async function gitCommit(cwd?: string): Promise<string | undefined> {
  if (!globalThis.process?.versions?.node) return undefined;
  const { fs, path } = await nodeModules();
  let dir = path.resolve(cwd ?? globalThis.process.cwd());
  for (;;) {
    const dotGit = path.join(dir, ".git");
    const stat = await fs.stat(dotGit).catch(() => undefined);
    if (stat) {
      let gitDir = dotGit;
      if (stat.isFile()) {
        // A linked work tree or submodule: ".git" is a file naming the real git directory.
        const m = /^gitdir:\s*(.+)$/m.exec(await fs.readFile(dotGit, "utf8"));
        if (!m?.[1]) return undefined;
        gitDir = path.resolve(dir, m[1].trim());
      }
      return resolveHead(gitDir);
    }
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

async function resolveHead(gitDir: string): Promise<string | undefined> {
  const { fs, path } = await nodeModules();
  const head = (await fs.readFile(path.join(gitDir, "HEAD"), "utf8")).trim();
  if (/^[0-9a-f]{40,64}$/.test(head)) return head;
  const ref = /^ref:\s*(\S+)$/.exec(head)?.[1];
  if (!ref) return undefined;
  // Branch refs of a linked work tree live in the main repository (its "commondir").
  const common = await fs
    .readFile(path.join(gitDir, "commondir"), "utf8")
    .then((c) => path.resolve(gitDir, c.trim()))
    .catch(() => gitDir);
  for (const dir of new Set([gitDir, common])) {
    const loose = await fs.readFile(path.join(dir, ref), "utf8").catch(() => undefined);
    if (loose) return loose.trim();
  }
  const packed = await fs.readFile(path.join(common, "packed-refs"), "utf8").catch(() => "");
  for (const line of packed.split("\n")) {
    const [sha, name] = line.split(" ");
    if (name === ref && sha) return sha;
  }
  return undefined;
}
