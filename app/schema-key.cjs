// The key a settings schema is known by: a 53-bit hash (cyrb53) of its JSON text. The build computes it
// for each schema it compiles validators for (settings-validators.cjs) and the page for each schema the
// server sends (settings-plugin.js); a precompiled validator is used only for the very schema it was
// compiled from. Both sides stringify an object parsed from JSON, so key order and number formats agree.
function schemaKey(schema) {
  const text = JSON.stringify(schema);
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
}

/**
 * The key of the schema with its top-level properties' defaults left out: JupyterLab assembles some
 * schemas in the page by changing only those defaults (menus, toolbar items, shortcuts gathered from
 * every plugin), and a schema so changed has the shape key of the one compiled at build.
 */
function shapeKey(schema) {
  const properties = {};
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    if (property === null || typeof property !== "object" || Array.isArray(property)) {
      properties[name] = property;
      continue;
    }
    const { default: _, ...rest } = property;
    properties[name] = rest;
  }
  return schemaKey({ ...schema, properties });
}

module.exports = { schemaKey, shapeKey };
