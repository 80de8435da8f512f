/**
 * The body of the hash thread ({@link HashThread}, `hash_thread.ts`): a Worker that keeps one
 * running digest (SHA-256, and the git blob SHA-1 when asked) and feeds it, in the order the
 * messages come, with byte ranges of buffers or with a file's bytes read on this thread (from
 * where the digest is up to a given end: a resumed prefix, then the part as it is written;
 * the handle stays open between such requests). Every request is answered with its `id` (and
 * `error` when it failed); after a failure the digest is unusable until the next `begin`.
 *
 * Loaded only as a Worker: `new Worker(new URL("./hash_worker.ts", import.meta.url), { type: "module" })`.
 * @module
 */
import { createHash, type Hash } from "node:crypto";

/** A request to the hash thread. */
export type HashRequest =
  | { op: "begin"; id: number; gitBlobSize?: number }
  | {
    op: "update";
    id: number;
    buffer: SharedArrayBuffer | ArrayBuffer;
    offset: number;
    length: number;
  }
  | { op: "file"; id: number; path: string; end: number }
  | { op: "digest"; id: number };

/** The answer to one {@link HashRequest}. */
export interface HashReply {
  id: number;
  error?: string;
  sha256?: string;
  gitSha1?: string;
}

/** Read size of the file's bytes: large enough that hashing runs at full speed. */
const FILE_CHUNK = 1024 * 1024;

const scope = globalThis as unknown as {
  onmessage: ((event: MessageEvent<HashRequest>) => void) | null;
  postMessage(reply: HashReply): void;
};

let sha256: Hash | undefined;
let sha1: Hash | undefined;
/** Bytes fed to the current digest. */
let fed = 0;
/** The file being followed, and where its handle is. */
let source: { path: string; file: Deno.FsFile; at: number } | undefined;
let chunk: Uint8Array | undefined;

function feed(bytes: Uint8Array): void {
  if (!sha256) throw new Error("no digest begun");
  sha256.update(bytes);
  sha1?.update(bytes);
  fed += bytes.length;
}

function reset(): void {
  sha256 = sha1 = undefined;
  fed = 0;
  source?.file.close();
  source = undefined;
}

/** Feeds the file at `path` from byte {@link fed} up to byte `end`. */
function feedFile(path: string, end: number): void {
  if (!sha256) throw new Error("no digest begun");
  if (source?.path !== path) {
    source?.file.close();
    source = { path, file: Deno.openSync(path, { read: true }), at: 0 };
  }
  const from = source;
  if (from.at !== fed) from.at = from.file.seekSync(fed, Deno.SeekMode.Start);
  chunk ??= new Uint8Array(FILE_CHUNK);
  while (fed < end) {
    const view = chunk.subarray(0, Math.min(chunk.length, end - fed));
    let got = 0;
    while (got < view.length) {
      const n = from.file.readSync(view.subarray(got));
      if (n === null) throw new Error(`${path} ends at byte ${fed + got}, expected ${end}`);
      got += n;
      from.at += n;
    }
    feed(view);
  }
}

function handle(request: HashRequest): HashReply {
  switch (request.op) {
    case "begin":
      reset();
      sha256 = createHash("sha256");
      sha1 = request.gitBlobSize === undefined
        ? undefined
        : createHash("sha1").update(`blob ${request.gitBlobSize}\0`);
      return { id: request.id };
    case "update":
      feed(new Uint8Array(request.buffer, request.offset, request.length));
      return { id: request.id };
    case "file":
      feedFile(request.path, request.end);
      return { id: request.id };
    case "digest": {
      if (!sha256) throw new Error("no digest begun");
      const reply = { id: request.id, sha256: sha256.digest("hex"), gitSha1: sha1?.digest("hex") };
      reset();
      return reply;
    }
  }
}

scope.onmessage = (event) => {
  let reply: HashReply;
  try {
    reply = handle(event.data);
  } catch (err) {
    reset();
    reply = { id: event.data.id, error: err instanceof Error ? err.message : String(err) };
  }
  scope.postMessage(reply);
};
