// The setting registry of this app: JupyterLab's own SettingRegistry, given a validator that uses the
// functions compiled at build time (settings-validators.cjs) for the schemas they were compiled from.
// It replaces @jupyterlab/apputils-extension:settings, whose only difference is the validator.
import { PageConfig } from "@jupyterlab/coreutils";
import {
  DefaultSchemaValidator,
  ISettingConnector,
  ISettingRegistry,
  SettingRegistry,
} from "@jupyterlab/settingregistry";
import { JSONExt } from "@lumino/coreutils";
import Ajv from "ajv";
import * as json5 from "json5";
import { compiled, compose, validate } from "./build/settings/index.cjs";
import { schemaKey, shapeKey } from "./schema-key.cjs";

/**
 * ISchemaValidator with DefaultSchemaValidator's results and errors, four ways:
 * - the schema compiled at build: its functions, nothing compiled here (most plugins);
 * - the same schema with other top-level defaults: the schemas JupyterLab assembles in the page
 *   (`jupyter.lab.transform`: menus, toolbars, shortcuts gathered from every plugin's schema into a
 *   property's default) use the functions compiled at build too (see `check`);
 * - another schema of a plugin compiled at build: compiled here, without the registry's checks of the
 *   schema itself (against its plugin schema and JSON Schema's): the plugin's own schema passed them at
 *   build. Those checks compile two meta-schemas, ~80 ms;
 * - a plugin unknown at build (an extension installed since): DefaultSchemaValidator, checks included.
 */
export class PrecompiledSchemaValidator {
  /** Plugin ids validated by code compiled at build (a test and the page-load benchmark read these). */
  precompiled = new Set();
  /** Plugin ids whose schema was compiled in the page. */
  compiledInPage = new Set();
  /** Time spent compiling and validating in the page. */
  inPageMs = 0;
  #unknown = null;
  #keys = new WeakMap();
  /**
   * Plugin id → the functions compiled for its schema in the page. Once per plugin, as
   * DefaultSchemaValidator does: the shortcuts' schema, say, is assembled again as each plugin's
   * shortcuts arrive, and validated each time with the first one compiled.
   */
  #assembled = new Map();
  #ajv = null;

  validateData(plugin, populate = true) {
    const known = compiled.get(plugin.id);
    if (!known) return this.#inPage(plugin, () => this.#unknownValidator().validateData(plugin, populate));
    const key = this.#keyOf(plugin.schema);
    if (key === known.key) {
      this.precompiled.add(plugin.id);
      return check(plugin, validate[known.name], compose[known.name], populate);
    }
    if (this.#shapeOf(plugin.schema) === known.shape) {
      // Assembled in the page by changing top-level defaults only: the functions compiled at build
      // check the same things (a default is not a constraint), and the defaults are the received
      // schema's, put in first where the user set nothing, as ajv would, then completed (defaults
      // nested inside them) by the composer compiled at build.
      this.precompiled.add(plugin.id);
      return check(plugin, validate[known.name], compose[known.name], populate, plugin.schema);
    }
    return this.#inPage(plugin, () => {
      // A schema that is not an object is refused by the registry's own validator, in its words.
      if (plugin.schema.type !== "object") return this.#unknownValidator().validateData(plugin, populate);
      let functions = this.#assembled.get(plugin.id);
      if (!functions) {
        // validateSchema: false, or ajv checks each schema against JSON Schema's (compiling it first).
        this.#ajv ??= {
          validator: new Ajv({ strict: false, validateSchema: false }),
          composer: new Ajv({ strict: false, validateSchema: false, useDefaults: true }),
        };
        functions = {
          validate: this.#ajv.validator.compile(plugin.schema),
          compose: this.#ajv.composer.compile(plugin.schema),
        };
        this.#assembled.set(plugin.id, functions);
      }
      return check(plugin, functions.validate, functions.compose, populate);
    });
  }

  #inPage(plugin, validateHere) {
    this.compiledInPage.add(plugin.id);
    const t0 = performance.now();
    try {
      return validateHere();
    } finally {
      this.inPageMs += performance.now() - t0;
    }
  }

  #unknownValidator() {
    this.#unknown ??= new DefaultSchemaValidator();
    return this.#unknown;
  }

  /** The settings editor validates at each edit: a schema's keys are computed once per schema object. */
  #keyOf(schema) {
    return this.#cached(schema).key;
  }

  #shapeOf(schema) {
    const keys = this.#cached(schema);
    keys.shape ??= shapeKey(schema);
    return keys.shape;
  }

  #cached(schema) {
    let keys = this.#keys.get(schema);
    if (keys === undefined) {
      keys = { key: schemaKey(schema), shape: undefined };
      this.#keys.set(schema, keys);
    }
    return keys;
  }
}

/**
 * DefaultSchemaValidator.validateData's steps, with the schema's two functions given; `defaultsOf`, a
 * schema whose top-level defaults fill the composite before the composer runs.
 */
function check(plugin, validateFn, composeFn, populate, defaultsOf = null) {
  let user;
  try {
    user = json5.parse(plugin.raw);
  } catch (error) {
    // The errors DefaultSchemaValidator gives, which the settings editor shows.
    if (error instanceof SyntaxError)
      return [{ instancePath: "", keyword: "syntax", schemaPath: "", message: error.message }];
    return [
      {
        instancePath: "",
        keyword: "parse",
        schemaPath: "",
        message: `${error.description} (line ${error.lineNumber} column ${error.column})`,
      },
    ];
  }
  if (!validateFn(user)) return validateFn.errors;
  // Defaults are filled into a copy: `user` stays what the user wrote.
  const composite = JSONExt.deepCopy(user);
  if (defaultsOf !== null && composite !== null && typeof composite === "object" && !Array.isArray(composite))
    for (const [name, property] of Object.entries(defaultsOf.properties ?? {}))
      if (property?.default !== undefined && composite[name] === undefined)
        composite[name] = JSONExt.deepCopy(property.default);
  if (!composeFn(composite)) return composeFn.errors;
  if (populate) plugin.data = { composite, user };
  return null;
}

/** The ISettingRegistry plugin, with `validator` shared with the app shell (it reports what it did). */
export function settingsPlugin(validator) {
  return {
    id: "labtrack-app:settings",
    description: "Provides the setting registry, validating with settings validators compiled at build.",
    autoStart: true,
    provides: ISettingRegistry,
    requires: [ISettingConnector],
    activate: async (app, connector) => {
      // Only the plugins of this page: another Lab's schemas next to ours must not add toolbar items
      // or shortcuts here (as JupyterLab's own registry plugin does).
      const { values } = await connector.list("active");
      const registry = new SettingRegistry({
        connector,
        validator,
        plugins: values.filter((p) => app.hasPlugin(p.id)),
      });
      // Plugins of this page the active listing left out are loaded once the Lab is up, or their
      // settings would never reach them.
      void app.restored.then(async () => {
        const { ids } = await connector.list("ids");
        for (const id of ids) {
          if (!app.hasPlugin(id) || PageConfig.Extension.isDisabled(id) || id in registry.plugins) continue;
          registry.load(id).catch((error) => console.warn(`Settings failed to load for (${id})`, error));
        }
      });
      return registry;
    },
  };
}
