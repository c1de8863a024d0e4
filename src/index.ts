// The JupyterLab extension (package.json "jupyterlab.extension", the "./lab" export). The package's
// main export is the client library for Node, tslab and browsers: lib/client/index.js.
import { plugins } from "./lab/plugins.js";

export { TrackingConnection } from "./lab/connection.js";
export { ILabtrackConnection } from "./lab/tokens.js";
export default plugins;
