// The experiment dialogs. Bodies are built with `el` (text only), so names and tags from the server or
// the user are never parsed as HTML. A failed request re-opens the dialog with the server's answer
// under the fields and the user's input kept, so a duplicate name can be fixed in place.
import { Dialog, showDialog } from "@jupyterlab/apputils";
import { Widget } from "@lumino/widgets";
import { el } from "../dom.js";
import type { ActionResult } from "./model.js";

interface Field {
  label: string;
  value: string;
  placeholder?: string;
}

/** A dialog body of labelled text fields and, below them, the last error (role=alert). */
class FieldsBody extends Widget {
  private readonly inputs: HTMLInputElement[];

  constructor(fields: readonly Field[], error: string | null) {
    super();
    this.addClass("lt-ExperimentDialog");
    this.inputs = fields.map((f) => {
      const input = el("input", {
        className: "jp-mod-styled lt-ExperimentDialog-input",
        attrs: { type: "text", "aria-label": f.label, placeholder: f.placeholder ?? "" },
      });
      input.value = f.value;
      return input;
    });
    fields.forEach((f, i) => {
      const label = el("label", { className: "lt-ExperimentDialog-field" }, el("span", {}, f.label));
      label.append(this.inputs[i] as HTMLInputElement);
      this.node.append(label);
    });
    if (error)
      this.node.append(el("p", { className: "lt-ExperimentDialog-error", attrs: { role: "alert" } }, error));
  }

  getValue(): string[] {
    return this.inputs.map((i) => i.value);
  }
}

/**
 * Asks for field values until `submit` succeeds or the user cancels; true when it succeeded.
 * `submit` reports failures itself (it never rejects).
 */
export async function askUntilDone(options: {
  title: string;
  accept: string;
  fields: readonly Field[];
  submit: (values: string[]) => Promise<ActionResult>;
}): Promise<boolean> {
  let fields = options.fields;
  let error: string | null = null;
  for (;;) {
    const result = await showDialog<string[]>({
      title: options.title,
      body: new FieldsBody(fields, error),
      buttons: [Dialog.cancelButton(), Dialog.okButton({ label: options.accept })],
      focusNodeSelector: "input",
    });
    if (!result.button.accept || !result.value) return false;
    const values = result.value;
    const outcome = await options.submit(values);
    if (outcome.ok) return true;
    error = `${outcome.error.problem.detail}`;
    fields = fields.map((f, i) => ({ ...f, value: values[i] ?? f.value }));
  }
}

/** A yes/no question with a destructive accept button. */
export async function confirm(title: string, message: string, accept: string): Promise<boolean> {
  const body = new Widget();
  body.node.append(el("p", { className: "lt-ExperimentDialog-message" }, message));
  const result = await showDialog({
    title,
    body,
    buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: accept })],
  });
  return result.button.accept;
}
