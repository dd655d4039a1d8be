// Polls until a condition holds, for tests that wait on real processes, sockets and files.

/**
 * Resolves with the first value `probe` returns that is not undefined, null or false (sync or async), checking
 * every `pauseMs`; throws "timed out waiting for WHAT" after `timeoutMs`.
 */
export async function until<T>(what: string, probe: () => T | undefined | null | false | Promise<T | undefined | null | false>, timeoutMs = 20_000, pauseMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
}
