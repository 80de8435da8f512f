/**
 * Directory fsyncs shared by the renames that asked for them: a rename is durable once an
 * fsync of its folder has *started* after it. While one runs, every caller that comes along
 * waits for the next one (started as soon as the running one ends), so a pull renaming
 * thousands of small files into one folder pays a few fsyncs a second instead of one each,
 * and each caller still returns only after an fsync that began after its rename.
 *
 * @example
 * ```ts
 * await Deno.rename(part, final);
 * await syncDirectory(dirname(final)); // the rename survives a crash from here on
 * ```
 * @module
 */

/** The fsyncs of one folder: the one running and the one queued behind it. */
interface FolderSyncs {
  running?: Promise<void>;
  queued?: Promise<void>;
}

const folders = new Map<string, FolderSyncs>();

/**
 * Resolves once an fsync of `dir` that started after this call has finished. Best effort
 * where a folder cannot be opened or synced (the rename itself is still atomic).
 */
export function syncDirectory(dir: string): Promise<void> {
  let syncs = folders.get(dir);
  if (!syncs) folders.set(dir, syncs = {});
  const entry = syncs;
  if (entry.queued) return entry.queued;
  if (!entry.running) return start(dir, entry);
  entry.queued = entry.running.then(() => {
    entry.queued = undefined;
    return start(dir, entry);
  });
  return entry.queued;
}

function start(dir: string, entry: FolderSyncs): Promise<void> {
  const running: Promise<void> = fsyncFolder(dir).finally(() => {
    if (entry.running === running) entry.running = undefined;
    if (!entry.running && !entry.queued && folders.get(dir) === entry) folders.delete(dir);
  });
  entry.running = running;
  return running;
}

async function fsyncFolder(dir: string): Promise<void> {
  let handle: Deno.FsFile | undefined;
  try {
    handle = Deno.openSync(dir, { read: true });
    await handle.sync();
  } catch {
    // Some platforms cannot open or fsync a directory; the rename itself is still atomic.
  } finally {
    handle?.close();
  }
}
