/** Event name → listener argument tuple. */
export type EventMap = { [event: string]: unknown[] };

type Listener<A extends unknown[]> = (...args: A) => void;

/**
 * A small typed event emitter. Unlike node:events, a listener that throws neither stops the other
 * listeners nor reaches the code that emitted (the queue must keep going whatever a presenter does):
 * its error goes to `onListenerError`.
 */
export class TypedEmitter<M extends EventMap> {
  readonly #listeners = new Map<keyof M, Set<Listener<never>>>();

  constructor(private readonly onListenerError: (error: unknown, event: keyof M) => void) {}

  on<E extends keyof M>(event: E, listener: Listener<M[E]>): void {
    let set = this.#listeners.get(event);
    if (!set) this.#listeners.set(event, (set = new Set()));
    set.add(listener as Listener<never>);
  }

  off<E extends keyof M>(event: E, listener: Listener<M[E]>): void {
    this.#listeners.get(event)?.delete(listener as Listener<never>);
  }

  emit<E extends keyof M>(event: E, ...args: M[E]): void {
    // Copy: a listener may remove itself (or others) while we iterate.
    for (const listener of [...(this.#listeners.get(event) ?? [])]) {
      try {
        (listener as Listener<M[E]>)(...args);
      } catch (error) {
        this.onListenerError(error, event);
      }
    }
  }
}
