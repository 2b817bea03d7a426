/**
 * One form's submit cycle, the same in every form of the app: validate the values with the shared zod
 * schema the server also uses, send the parsed body while the form is busy, and turn a failure into a
 * translated message plus per-field errors. A page states only its schema, its values and what sending
 * means for it.
 */
import type { ZodTypeAny, z } from 'zod';
import { errorMessage, serverFieldErrors, validate, type ErrorOverrides, type FieldErrors } from './errors';

export interface SubmitFormOptions<S extends ZodTypeAny> {
  /** The shared schema of the request body. */
  schema: S;
  /** The form's current values, read on each submit. */
  values: () => z.input<S>;
  /** Send the validated body and act on the answer; a throw is shown as the form's error. */
  send: (body: z.output<S>) => Promise<void>;
  /** Per-form replacements of some codes' default messages. */
  overrides?: ErrorOverrides;
}

export class SubmitForm<S extends ZodTypeAny = ZodTypeAny> {
  /** Field errors by field name, from the client-side check or from the server. */
  fields = $state<FieldErrors>({});
  /** The message of the last failed submit. */
  error = $state('');
  /** A success message the page may set in `send`; cleared by the next submit. */
  notice = $state('');
  /** What the last submit threw (null otherwise), for pages that react to one error code in particular. */
  failure = $state.raw<unknown>(null);
  /** A request is in flight: the page disables its inputs and the submit button. */
  busy = $state(false);

  readonly #options: SubmitFormOptions<S>;

  constructor(options: SubmitFormOptions<S>) {
    this.#options = options;
  }

  /** The props that tie a TextField to this form: its name, its error and being disabled while busy. */
  field(name: keyof z.input<S> & string): { name: string; error: string | undefined; disabled: boolean } {
    return { name, error: this.fields[name], disabled: this.busy };
  }

  /** The form's `onsubmit` handler (an arrow, so it can be passed around unbound). */
  readonly submit = async (event: SubmitEvent): Promise<void> => {
    // The forms are `novalidate`: the schema checks them, in the interface language.
    event.preventDefault();
    this.error = '';
    this.notice = '';
    this.failure = null;
    const checked = validate(this.#options.schema, this.#options.values());
    if (!checked.ok) {
      this.fields = checked.fields;
      return;
    }
    this.fields = {};
    this.busy = true;
    try {
      await this.#options.send(checked.data);
    } catch (e) {
      this.fields = serverFieldErrors(e);
      this.error = errorMessage(e, this.#options.overrides);
      this.failure = e;
    } finally {
      this.busy = false;
    }
  };
}
