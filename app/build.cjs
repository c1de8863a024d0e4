// `node app/build.cjs`: builds the Lab front end (rspack.config.cjs) into app/build/, then
// - writes the page template (templates/index.html → build/templates/) naming the hashed entry script,
//   so that every static file but the page itself may be cached for good (app/main.py);
// - gzips every compressible static file once, next to it (<file>.gz), for app/main.py to send as is to
//   browsers that accept gzip. Brotli would be smaller, but chromium asks for it over HTTPS only and the
//   Lab is served over http://127.0.0.1, and Debian's python3 has no brotli to answer other requests.
const fs = require("node:fs");
const path = require("node:path");
const { promisify } = require("node:util");
const zlib = require("node:zlib");
const { rspack } = require("@rspack/core");
const config = require("./rspack.config.cjs");

const gzip = promisify(zlib.gzip);
const buildDir = path.join(__dirname, "build");
const staticDir = path.join(buildDir, "static");
// The formats gzip shrinks; as in app/main.py, whose COMPRESSIBLE set this mirrors.
const COMPRESSIBLE = new Set([".js", ".mjs", ".css", ".json", ".svg", ".html", ".txt", ".map", ".ttf", ".eot", ".otf", ".wasm"]);
const MIN_COMPRESS = 512;

function writeTemplate(stats) {
  const { entrypoints } = stats.stats[0].toJson({ all: false, entrypoints: true });
  const scripts = entrypoints.main.assets.map((a) => a.name).filter((name) => name.endsWith(".js"));
  if (scripts.length !== 1) throw new Error(`expected one script for the main entry, got ${scripts.join(", ")}`);
  const source = fs.readFileSync(path.join(__dirname, "templates", "index.html"), "utf8");
  const placeholder = "/__MAIN_SCRIPT__";
  if (!source.includes(placeholder)) throw new Error(`templates/index.html lacks ${placeholder}`);
  fs.mkdirSync(path.join(buildDir, "templates"), { recursive: true });
  fs.writeFileSync(path.join(buildDir, "templates", "index.html"), source.replace(placeholder, `/${scripts[0]}`));
}

async function compressStatic() {
  let before = 0;
  let after = 0;
  let files = 0;
  const names = fs.readdirSync(staticDir).filter((n) => COMPRESSIBLE.has(path.extname(n)));
  await Promise.all(
    names.map(async (name) => {
      const raw = fs.readFileSync(path.join(staticDir, name));
      if (raw.length < MIN_COMPRESS) return;
      const gz = await gzip(raw, { level: 9 });
      if (gz.length >= raw.length) return;
      fs.writeFileSync(path.join(staticDir, `${name}.gz`), gz);
      before += raw.length;
      after += gz.length;
      files++;
    }),
  );
  return { before, after, files };
}

const started = Date.now();
rspack(config, (err, stats) => {
  if (err) {
    console.error(err.stack || err);
    process.exit(1);
  }
  if (stats.hasErrors()) {
    console.error(stats.toString({ all: false, errors: true, colors: false }));
    process.exit(1);
  }
  writeTemplate(stats);
  compressStatic().then(
    ({ before, after, files }) => {
      const mb = (n) => (n / 1e6).toFixed(1);
      console.log(
        `app: built in ${((Date.now() - started) / 1000).toFixed(1)} s; ${files} files gzipped, ${mb(before)} MB → ${mb(after)} MB`,
      );
    },
    (e) => {
      console.error(e.stack || e);
      process.exit(1);
    },
  );
});
