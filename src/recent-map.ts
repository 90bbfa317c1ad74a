/**
 * A map that keeps at most `limit` entries and drops the least recently used first: for in-process
 * caches whose keys come from traffic (SQL texts, identities), so they cannot grow without bound.
 */
export class RecentMap<K, V> {
  readonly #entries = new Map<K, V>()

  constructor(readonly limit: number) {}

  /** The entry for `key`, made by `create` when there is none; either way it becomes the most recent. */
  getOrCreate(key: K, create: () => V): V {
    let value = this.#entries.get(key)
    if (value !== undefined || this.#entries.has(key)) {
      this.#entries.delete(key)
    } else {
      value = create()
      if (this.#entries.size >= this.limit) this.#entries.delete(this.#entries.keys().next().value as K)
    }
    this.#entries.set(key, value as V)
    return value as V
  }

  /** The entry for `key`, which becomes the most recent; undefined when there is none. */
  get(key: K): V | undefined {
    const value = this.#entries.get(key)
    if (value === undefined && !this.#entries.has(key)) return undefined
    this.#entries.delete(key)
    this.#entries.set(key, value as V)
    return value
  }

  /** Keep `value` for `key` as the most recent entry, dropping the least recent one when full. */
  set(key: K, value: V): void {
    if (!this.#entries.delete(key) && this.#entries.size >= this.limit) {
      this.#entries.delete(this.#entries.keys().next().value as K)
    }
    this.#entries.set(key, value)
  }

  delete(key: K): void {
    this.#entries.delete(key)
  }

  clear(): void {
    this.#entries.clear()
  }
}

/**
 * The promise `map` keeps for `key`, started by `load` when there is none: callers asking at the
 * same time share one load. A load that fails is forgotten, so the next caller loads again.
 */
export function rememberedLoad<K, T>(
  map: RecentMap<K, Promise<T>>,
  key: K,
  load: () => Promise<T>,
): Promise<T> {
  return map.getOrCreate(key, () => {
    const loading = load()
    loading.catch(() => map.delete(key))
    return loading
  })
}
