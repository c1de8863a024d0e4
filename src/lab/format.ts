// Moved to src/tracking (shared with `labtrack run`); kept here for the Lab's importers.
export * from "../tracking/format.js";
