/**
 * nginx on loopback serving generated test files, for the download benchmarks. The files are
 * made once in `bench/.work/www/` (written under a temporary name, then renamed, so two runs
 * at once never serve a half-written file) and only read afterwards; everything a run writes
 * (nginx's config, pid and temp files) goes in that run's own directory.
 *
 * @example
 * ```ts
 * const file = await ensureServedFile("1g.bin", 1024 ** 3);
 * await using nginx = await startNginx(runDir);
 * fetch(`${nginx.url}/${file.name}`);
 * ```
 * @module
 */
import { createHash } from "node:crypto";
import { join } from "node:path";

/** Debian's nginx. */
export const NGINX = "/usr/sbin/nginx";

/** Where the served files live, shared by every run. */
export const WWW = new URL("./.work/www/", import.meta.url).pathname;

/** A served test file and its SHA-256. */
export interface ServedFile {
  name: string;
  size: number;
  sha256: string;
}

/**
 * Creates `www/<name>` of `size` bytes unless it is already there: 4 MiB blocks of seeded
 * noise, each block stamped with its index so no two blocks (and no sparse holes) repeat.
 * The SHA-256 is computed while writing and kept next to the file.
 */
export async function ensureServedFile(name: string, size: number): Promise<ServedFile> {
  await Deno.mkdir(WWW, { recursive: true });
  const path = join(WWW, name);
  const hashPath = `${path}.sha256`;
  try {
    if ((await Deno.stat(path)).size === size) {
      return { name, size, sha256: (await Deno.readTextFile(hashPath)).trim() };
    }
  } catch {
    // not generated yet
  }
  const block = new Uint8Array(4 * 1024 * 1024);
  let x = 0x9e3779b9;
  const words = new Uint32Array(block.buffer);
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x >>> 0;
  }
  const hash = createHash("sha256");
  const temp = `${path}.${crypto.randomUUID()}.tmp`;
  {
    using file = await Deno.open(temp, { write: true, createNew: true });
    for (let index = 0; index * block.length < size; index++) {
      words[0] = index;
      words[words.length - 1] = Math.imul(index, 2654435761) >>> 0;
      const view = block.subarray(0, Math.min(block.length, size - index * block.length));
      hash.update(view);
      for (let at = 0; at < view.length;) at += await file.write(view.subarray(at));
    }
  }
  const sha256 = hash.digest("hex");
  // The hash first: whoever sees the file at full size finds its hash beside it.
  const hashTemp = `${hashPath}.${crypto.randomUUID()}.tmp`;
  await Deno.writeTextFile(hashTemp, sha256);
  await Deno.rename(hashTemp, hashPath);
  await Deno.rename(temp, path);
  return { name, size, sha256 };
}

/** A running nginx. */
export interface Nginx extends AsyncDisposable {
  /** "http://127.0.0.1:<port>" */
  url: string;
  stop(): Promise<void>;
}

/** nginx on a free loopback port, in the foreground, serving {@link WWW}; its files in `runDir`. */
export async function startNginx(runDir: string): Promise<Nginx> {
  const dir = join(runDir, "nginx");
  await Deno.mkdir(join(dir, "tmp"), { recursive: true });
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (probe.addr as Deno.NetAddr).port;
  probe.close();
  const conf = `daemon off;
worker_processes 2;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  client_body_temp_path ${dir}/tmp;
  proxy_temp_path ${dir}/tmp;
  fastcgi_temp_path ${dir}/tmp;
  uwsgi_temp_path ${dir}/tmp;
  scgi_temp_path ${dir}/tmp;
  server {
    listen 127.0.0.1:${port};
    root ${WWW};
  }
}
`;
  await Deno.writeTextFile(join(dir, "nginx.conf"), conf);
  const child = new Deno.Command(NGINX, {
    args: ["-c", join(dir, "nginx.conf"), "-p", dir],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill("SIGKILL");
        const { stderr } = await child.output();
        throw new Error(`nginx did not start: ${new TextDecoder().decode(stderr)}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  const stop = async () => {
    child.kill("SIGTERM");
    await child.output();
  };
  return { url: `http://127.0.0.1:${port}`, stop, [Symbol.asyncDispose]: stop };
}
