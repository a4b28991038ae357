/**
 * Per-user FIFO lists served in round-robin turns.
 *
 * The rule:
 * - Users take turns in rounds. In each round every user in the rotation gets one turn, in the order
 *   they joined the rotation; a turn takes that user's oldest item.
 * - A user whose list runs empty leaves the rotation; when they add again they re-join at its end.
 * - A user who has not had a turn in the current round takes it in this round, wherever they joined
 *   (someone who joins while user A's job runs goes before A's next job). A user who already had a
 *   turn in this round waits for the next one, even if they left and re-joined meanwhile: adding a job
 *   each time the last one starts cannot starve anybody.
 *
 * Rounds are counted, not stored per item: a user's next turn is in round
 * `max(current round, round of their last turn + 1)`, and the lowest round goes first, ties in
 * rotation order. `order()` simulates the rule over the current lists: it is the order items will be
 * taken if nothing is added or removed meanwhile, so a newcomer can move others back by one place.
 */
export class RoundRobin<T> {
  #lists = new Map<string, T[]>();
  /** Users with items, in the order they joined. */
  #rotation: string[] = [];
  /** The round of the latest turn. */
  #round = 0;
  /** The round of each user's latest turn, kept after they leave; entries older than `#round` no longer matter. */
  #lastTurn = new Map<string, number>();
  #size = 0;

  /** How many items wait in all lists. */
  get size(): number {
    return this.#size;
  }

  /** How many items `user` has waiting. */
  countOf(user: string): number {
    return this.#lists.get(user)?.length ?? 0;
  }

  /** Appends `item` to `user`'s list; a user not in the rotation joins at its end. */
  push(user: string, item: T): void {
    const list = this.#lists.get(user);
    if (list) list.push(item);
    else {
      this.#lists.set(user, [item]);
      this.#rotation.push(user);
    }
    this.#size++;
  }

  /** Takes the item whose turn it is, or `undefined` when nothing waits. */
  take(): T | undefined {
    let chosen: { index: number; round: number } | undefined;
    for (const [index, user] of this.#rotation.entries()) {
      const round = this.#nextRoundOf(user);
      if (!chosen || round < chosen.round) chosen = { index, round };
    }
    if (!chosen) return undefined;

    // chosen.index came from iterating #rotation just above.
    const user = this.#rotation[chosen.index]!;
    const list = this.#lists.get(user)!;
    const item = list.shift()!;
    this.#size--;
    if (chosen.round > this.#round) {
      this.#round = chosen.round;
      // Forget turns from before this round: max(round, last + 1) no longer depends on them.
      for (const [other, last] of this.#lastTurn) if (last < this.#round) this.#lastTurn.delete(other);
    }
    this.#lastTurn.set(user, chosen.round);
    if (list.length === 0) this.#leave(chosen.index);
    return item;
  }

  /** Removes and returns the first item (in any list) that matches. */
  remove(matches: (item: T) => boolean): T | undefined {
    for (const [index, user] of this.#rotation.entries()) {
      const list = this.#lists.get(user)!;
      const at = list.findIndex(matches);
      if (at === -1) continue;
      const [item] = list.splice(at, 1);
      this.#size--;
      if (list.length === 0) this.#leave(index);
      return item;
    }
    return undefined;
  }

  /** Removes and returns all of `user`'s items, oldest first. */
  removeAllOf(user: string): T[] {
    const list = this.#lists.get(user);
    if (!list) return [];
    this.#size -= list.length;
    this.#leave(this.#rotation.indexOf(user));
    return list;
  }

  /** Every waiting item in the order `take()` would return them. Changes nothing. */
  order(): T[] {
    const copy = new RoundRobin<T>();
    for (const [user, list] of this.#lists) copy.#lists.set(user, [...list]);
    copy.#rotation = [...this.#rotation];
    copy.#round = this.#round;
    copy.#lastTurn = new Map(this.#lastTurn);
    copy.#size = this.#size;
    const items: T[] = [];
    while (copy.size > 0) items.push(copy.take()!);
    return items;
  }

  #nextRoundOf(user: string): number {
    const last = this.#lastTurn.get(user);
    return last === undefined ? this.#round : Math.max(this.#round, last + 1);
  }

  #leave(index: number): void {
    const [user] = this.#rotation.splice(index, 1);
    if (user !== undefined) this.#lists.delete(user);
  }
}
