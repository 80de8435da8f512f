/**
 * Quiet disk between timed runs: every benchmark run starts with the previous run's writeback
 * and discards finished, so no side pays for the one before it.
 * @module
 */

/** Syncs, then waits (up to 15 s) until the disk has no I/O in flight and its counters stop moving. */
export async function settleDisk(): Promise<void> {
  await new Deno.Command("sync").output();
  const sample = async () => {
    const text = await Deno.readTextFile("/proc/diskstats").catch(() => "");
    // per device: in-flight I/Os, sectors written, sectors discarded
    return text.split("\n").map((line) => line.trim().split(/\s+/))
      .filter((f) =>
        f.length >= 14 && /^(vd|sd|nvme|xvd)[a-z0-9]*$/.test(f[2]) && !/\d$/.test(f[2])
      )
      .map((f) => `${f[11]}:${f[9]}:${f[16] ?? ""}`).join(",");
  };
  const deadline = Date.now() + 15_000;
  let last = await sample();
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    const now = await sample();
    if (now === last && !now.split(",").some((d) => d.split(":")[0] !== "0")) return;
    last = now;
  }
}
