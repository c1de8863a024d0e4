// How Labtrack drives a browser (UI tests, benchmarks): Debian's chromium, never a downloaded one,
// headless as root, with the background networking a closed machine refuses turned off.
export const CHROMIUM_PATH = process.env.LABTRACK_CHROMIUM ?? "/usr/bin/chromium";

export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
