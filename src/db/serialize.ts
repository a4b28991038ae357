/** Runs async tasks one at a time, in call order; a task's failure does not stop the ones after it. */
export type Serializer = <T>(task: () => Promise<T>) => Promise<T>;

/** Creates a per-process async mutex: `const serial = createSerializer(); await serial(() => work())`. */
export function createSerializer(): Serializer {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(task: () => Promise<T>): Promise<T> => {
    const run = tail.then(task, task);
    tail = run.catch(() => undefined);
    return run;
  };
}
