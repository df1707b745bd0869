// A memo of a pure function with a hard bound on its entries: when full it starts afresh (no per-entry
// bookkeeping on the hot paths that use it: DateTime formatting, cursor signatures, filter fingerprints).

/** `memo(key, compute)`: the value kept for `key`, or `compute()` kept for next time (at most `maxEntries`). */
export function createBoundedMemo<K, V>(maxEntries: number): (key: K, compute: () => V) => V {
  const values = new Map<K, V>();
  return (key, compute) => {
    let value = values.get(key);
    if (value === undefined) {
      value = compute();
      if (values.size >= maxEntries) values.clear();
      values.set(key, value);
    }
    return value;
  };
}
