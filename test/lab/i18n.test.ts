// The module-level translation bundle: English by default, the given translator once set.
import { type ITranslator, nullTranslator, type TranslationBundle } from "@jupyterlab/translation";
import { afterEach, describe, expect, it } from "vitest";
import { __, _n, setTranslator } from "../../src/lab/i18n.js";

/** A translator whose bundle upper-cases what the English one returns, and remembers the domain. */
function shouting(): ITranslator & { domains: string[] } {
  const english = nullTranslator.load("labtrack");
  const domains: string[] = [];
  const bundle = {
    __: (msgid: string, ...args: unknown[]) => english.__(msgid, ...args).toUpperCase(),
    _n: (msgid: string, plural: string, n: number, ...args: unknown[]) =>
      english._n(msgid, plural, n, ...args).toUpperCase(),
  } as unknown as TranslationBundle;
  return {
    languageCode: "xx",
    domains,
    load: (domain: string) => {
      domains.push(domain);
      return bundle;
    },
  };
}

describe("i18n", () => {
  afterEach(() => setTranslator(nullTranslator));

  it("returns the English text until a translator is set", () => {
    expect(__("Refresh")).toBe("Refresh");
    expect(__("Runs of %1", "exp-1")).toBe("Runs of exp-1");
  });

  it("follows setTranslator at call time, in the labtrack domain", () => {
    const translator = shouting();
    setTranslator(translator);
    expect(translator.domains).toEqual(["labtrack"]);
    expect(__("Refresh")).toBe("REFRESH");
    setTranslator(nullTranslator);
    expect(__("Refresh")).toBe("Refresh");
  });

  it("fills placeholders in order, and keeps %% and %track-like text", () => {
    expect(__("%1 (id %2)", "baseline", "7")).toBe("baseline (id 7)");
    expect(__("inserts %1 on its first line", "%%track")).toBe("inserts %%track on its first line");
    setTranslator(shouting());
    expect(__("Delete tag %1", "team")).toBe("DELETE TAG TEAM");
  });

  it("picks the singular or the plural, with the count as %1", () => {
    expect(_n("%1 run", "%1 runs", 1)).toBe("1 run");
    expect(_n("%1 run", "%1 runs", 0)).toBe("0 runs");
    expect(_n("%1 run", "%1 runs", 3)).toBe("3 runs");
    expect(_n("%2 run", "%2 runs", 1234, "1,234")).toBe("1,234 runs");
    setTranslator(shouting());
    expect(_n("Delete run?", "Delete %1 runs?", 1)).toBe("DELETE RUN?");
    expect(_n("Delete run?", "Delete %1 runs?", 2)).toBe("DELETE 2 RUNS?");
  });
});
