// The campaign's own pace within a slice (campaign-slice.ts): a send waits until fewer than `rate`
// of the campaign's sends were made in the second before it, and no two leave closer than `minGapMs`.

/**
 * Returns the wait a send takes right before its request. `recent` holds the campaign's send times
 * of the last second, oldest first (the previous slice's included); each send taken is added to it.
 */
export function slotTaker(recent: number[], rate: number, minGapMs: number): () => Promise<void> {
  return async (): Promise<void> => {
    for (;;) {
      const at = Date.now();
      while (recent.length > 0 && recent[0]! <= at - 1000) recent.shift();
      const last = recent.at(-1);
      const gapLeft = last === undefined ? 0 : last + minGapMs - at;
      if (recent.length < rate && gapLeft <= 0) {
        recent.push(at);
        return;
      }
      await sleep(recent.length < rate ? gapLeft : recent[0]! + 1001 - at);
    }
  };
}

export function sleep(ms: number): Promise<void> {
  return ms <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, ms));
}
