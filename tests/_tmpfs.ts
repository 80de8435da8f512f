/**
 * Test support: a real small filesystem (tmpfs) for disk-space tests. Mounting needs root;
 * where it is not permitted, {@link tmpfsUnavailable} says why so the test can skip with a
 * printed notice. {@link freeBytes} measures free space independently of src/.
 * @module
 */
import { statfsSync } from "node:fs";

/** Bytes free for an unprivileged writer (`f_bavail * f_bsize`) on the filesystem of `dir`. */
export function freeBytes(dir: string): number {
  const s = statfsSync(dir);
  return s.bavail * s.bsize;
}

async function mount(args: string[]): Promise<{ ok: boolean; message: string }> {
  const out = await new Deno.Command("mount", { args, stdout: "piped", stderr: "piped" }).output()
    .catch((err: Error) => ({ success: false, stderr: new TextEncoder().encode(err.message) }));
  return { ok: out.success, message: new TextDecoder().decode(out.stderr).trim() };
}

/** A mounted tmpfs; `close()` unmounts and removes the mount point. */
export interface Tmpfs {
  dir: string;
  close(): Promise<void>;
}

/** A fresh tmpfs of `mib` MiB, or the reason none can be mounted here. */
export async function mountTmpfs(mib: number): Promise<Tmpfs | { reason: string }> {
  const dir = await Deno.makeTempDir({ prefix: "nightpull-tmpfs-" });
  const res = await mount(["-t", "tmpfs", "-o", `size=${mib}m`, "tmpfs", dir]);
  if (!res.ok) {
    await Deno.remove(dir);
    return { reason: res.message || "mount failed" };
  }
  return {
    dir,
    close: async () => {
      await new Deno.Command("umount", { args: [dir] }).output();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** Why no tmpfs can be mounted here (null when it can), probed with a 1 MiB mount. */
export async function tmpfsUnavailable(): Promise<string | null> {
  const probe = await mountTmpfs(1);
  if ("reason" in probe) return probe.reason;
  await probe.close();
  return null;
}
