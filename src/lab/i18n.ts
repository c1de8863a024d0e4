// Translation for Labtrack's user-visible strings, the JupyterLab way (ITranslator, domain "labtrack").
// A module-level bundle rather than a translator passed through constructors: the views are created
// from many plugins and helpers, and threading a translator through all of them is plumbing for no gain.
// The connection plugin (activated first) calls setTranslator; until then, and in unit tests, the
// nullTranslator returns the English text with its placeholders filled in.
// The helpers look the bundle up at call time, so strings built after activation are translated.
// Note: in message ids "%1".."%9" are placeholders and "%%" stands for "%"; pass magic names such as
// "%%track" as arguments, not inside the message.
import { type ITranslator, nullTranslator, type TranslationBundle } from "@jupyterlab/translation";

export const DOMAIN = "labtrack";

let bundle: TranslationBundle = nullTranslator.load(DOMAIN);

/** Uses `translator` for every later `__` / `_n` call. */
export function setTranslator(translator: ITranslator): void {
  bundle = translator.load(DOMAIN);
}

/** The translation of `msg`, with %1, %2… replaced by `args`. */
export function __(msg: string, ...args: unknown[]): string {
  return bundle.__(msg, ...args);
}

/** The singular or plural translation for `n`; %1 is `n`, %2… are `args`. */
export function _n(singular: string, plural: string, n: number, ...args: unknown[]): string {
  return bundle._n(singular, plural, n, ...args);
}
