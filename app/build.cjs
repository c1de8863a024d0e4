// `node app/build.cjs`: builds the Lab front end (rspack.config.cjs) into app/build/.
const { rspack } = require("@rspack/core");
const config = require("./rspack.config.cjs");

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
  console.log(`app: built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
});
