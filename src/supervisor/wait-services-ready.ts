// Waiting for services that start with the daemon, for work that must not be skipped because they are not ready yet
// (a backup missed while the daemon was down, a job run made up) and must not hold anything else up.

/** How often the services' progress is read. */
const READY_POLL_MS = 200;

/** Resolves true once every service in `names` is ready; false as soon as `keepWaiting` answers false. */
export async function waitServicesReady(progress: (name: string) => { readonly ready: boolean }, names: readonly string[], keepWaiting: () => boolean): Promise<boolean> {
  while (keepWaiting()) {
    if (names.every((name) => progress(name).ready)) return true;
    await new Promise((resolve) => setTimeout(resolve, READY_POLL_MS).unref());
  }
  return false;
}
