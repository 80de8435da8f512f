/**
 * The hostile-input corpus: requests that a nightpull server must refuse (4xx, error shape,
 * nothing written): wrong types, huge numbers, unicode look-alikes, deep nesting, oversized
 * bodies, path traversal in sources and destinations, header injection in webhook URLs,
 * invalid cursors and ids, malformed JSON. Pure: the ids of existing schedules are given.
 * @module
 */

/** One request to send. */
export interface HostileRequest {
  label: string;
  method: string;
  path: string;
  /** Sent as is when a string, else as JSON. */
  body?: unknown;
  contentType?: string;
  /** Extra headers; a `host` here means the request must go out on a raw socket. */
  headers?: Record<string, string>;
}

type Body = Record<string, unknown>;
type Mutation = [label: string, apply: (base: Body) => Body];

const deep = (depth: number, leaf: unknown = 1): unknown => {
  let v: unknown = leaf;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
};
const deepObject = (depth: number): unknown => {
  let v: unknown = "x";
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
};

const set = (field: string, value: unknown): Mutation => [
  `${field}=${JSON.stringify(value)?.slice(0, 40)}`,
  (b) => ({ ...b, [field]: value }),
];
const trigger = (value: unknown): Mutation => set("trigger", value);
const cron = (expression: unknown, timezone?: unknown): Mutation =>
  trigger({ type: "cron", expression, ...(timezone === undefined ? {} : { timezone }) });

/** Field changes that make a schedule (or download) body invalid, whatever the rest. */
export const BODY_MUTATIONS: Mutation[] = [
  // wrong types
  set("name", 123),
  set("name", ["a"]),
  set("name", { a: 1 }),
  set("name", ""),
  set("name", "a\u0000b"),
  set("name", "line\nbreak"),
  set("name", "x".repeat(5000)),
  set("source", 42),
  set("source", null),
  set("source", ["hf:acme/tiny-model"]),
  set("source", ""),
  set("include", "*.json"),
  set("include", [1, 2]),
  set("include", [null]),
  set("include", [""]),
  set("include", ["a\u0000"]),
  set("include", deep(50, "*.json")),
  set("exclude", { "*": true }),
  set("exclude", Array(1000).fill("*.bin")),
  set("layout", "flat"),
  set("layout", "local‐dir"), // U+2010 hyphen
  set("layout", 1),
  set("overlap", "maybe"),
  set("overlap", "skіp"), // Cyrillic і
  set("misfireGrace", 600),
  set("misfireGrace", "-1m"),
  set("misfireGrace", "1０m"), // fullwidth zero
  set("misfireGrace", "99999999999999999999d"),
  set("misfireGrace", "NaN"),
  set("retry", 3),
  set("retry", { attempts: "3" }),
  set("retry", { attempts: 0 }),
  set("retry", { attempts: 1e21 }),
  set("retry", { attempts: -1 }),
  set("retry", { attempts: 1.5 }),
  set("retry", { attempts: 3, factor: 1e308 }),
  set("retry", { attempts: 3, backoff: "forever" }),
  set("retry", { attempts: 3, extra: true }),
  set("connections", 0),
  set("connections", -1),
  set("connections", 1e308),
  set("connections", 2 ** 53 + 1),
  set("connections", "8"),
  set("connections", 8.5),
  set("bandwidth", "1e999M"),
  set("bandwidth", "fast"),
  set("bandwidth", -5),
  set("unknownField", true),
  set("__proto__", { polluted: true }),
  set("constructor", { prototype: { polluted: true } }),
  set("status", "active"),
  set("id", "01JXXXXXXXXXXXXXXXXXXXXXXX"),
  // path traversal in sources and destinations
  set("source", "hf:../../etc/passwd"),
  set("source", "hf:acme/.."),
  set("source", "hf:acme/../../x"),
  set("source", "hf:acme/tiny-model@../../HEAD"),
  set("source", "hf:acme\\tiny-model"),
  set("source", "hf:acme/tiny\u0000model"),
  set("source", "hf:аcme/tiny-model"), // Cyrillic а
  set("source", "file:///etc/passwd"),
  set("source", "ftp://example.org/x.bin"),
  set("source", "javascript:alert(1)"),
  set("source", "https://"),
  set("source", "http://exa mple.org/x"),
  set("source", "hf:" + "a".repeat(3000)),
  set("dir", "../../etc"),
  set("dir", "relative/dir"),
  set("dir", "/srv/models/../../etc"),
  set("dir", "/tmp/a\u0000b"),
  set("dir", "/tmp/line\nbreak"),
  set("dir", ""),
  set("dir", 7),
  set("filename", "../escape.bin"),
  set("filename", "a/b.bin"),
  set("filename", ".."),
  set("filename", "x\u0000.bin"),
  set("sha256", "xyz"),
  set("sha256", "0".repeat(63)),
  // header injection and other bad webhooks
  set("webhook", { url: "https://example.org/h\r\nX-Injected: 1" }),
  set("webhook", { url: "https://example.org/h\nSet-Cookie: a=b" }),
  set("webhook", { url: "https://example.org/%0d%0a\r\n" }),
  set("webhook", { url: "https://exa mple.org/h" }),
  set("webhook", { url: "javascript:alert(1)" }),
  set("webhook", { url: "file:///etc/passwd" }),
  set("webhook", { url: "https://user:pass@example.org/h" }),
  set("webhook", { url: "https://example.org/h", secret: "" }),
  set("webhook", { url: "https://example.org/h", secret: 42 }),
  set("webhook", { url: "https://example.org/h", extra: 1 }),
  set("webhook", "https://example.org/h"),
  set("webhook", { url: "https://example.org/" + "a".repeat(3000) }),
  // bidirectional controls disguise what a name or file is (U+202E: "evil\u202Egnp.exe")
  set("name", "invoice\u202Efdp.exe"),
  set("name", "a\u202Ab"),
  set("name", "a\u2066b\u2069"),
  set("filename", "report\u202Etxt.exe"),
  set("filename", "x\u2067.bin"),
  set("source", "https://example.org/files/evil%E2%80%AEgnp.exe"),
  set("source", "hf:acme/tiny-model@main\u202E"),
  // deep nesting
  set("name", deep(2000)),
  set("trigger", deepObject(500)),
  set("retry", deepObject(1000)),
  set("timeWindow", deep(3000, {})),
];

/** Trigger changes (schedules only). */
export const TRIGGER_MUTATIONS: Mutation[] = [
  trigger("0 2 * * *"),
  trigger(null),
  trigger({}),
  trigger({ type: "weekly" }),
  trigger({ type: "cron" }),
  cron(""),
  cron(42),
  cron("* * * *"),
  cron("* * * * * * *"),
  cron("61 * * * *"),
  cron("0 25 * * *"),
  cron("0 0 32 * *"),
  cron("*/0 * * * *"),
  cron("5-1 * * * *"),
  cron("0 0 30 2 *"),
  cron("@reboot"),
  cron("０ 2 * * *"),
  cron("٠ 2 * * *"),
  cron("0 2 * * *\u0000"),
  cron("0 2 * * *", "Mars/Olympus"),
  cron("0 2 * * *", "Europe/Berlin\u202e"),
  cron("0 2 * * *", "../../etc/localtime"),
  cron("0 2 * * *", 1),
  trigger({ type: "interval", every: "30s" }),
  trigger({ type: "interval", every: "often" }),
  trigger({ type: "interval", every: "99999999999999999h" }),
  trigger({ type: "interval", every: 3600 }),
  trigger({ type: "interval", every: "1h", startAt: "tomorrow" }),
  trigger({ type: "once", at: "2001-01-01T00:00:00Z" }),
  trigger({ type: "once", at: "2026-13-01T00:00:00Z" }),
  trigger({ type: "once", at: "+275760-09-13T00:00:00.000Z" }),
  trigger({ type: "once", at: 1e308 }),
  trigger({ type: "cron", expression: "0 2 * * *", extra: true }),
];

/** Time-window bodies that are invalid. */
export const WINDOW_BODIES: unknown[] = [
  {},
  { windows: [] },
  { windows: "22:00-07:00" },
  { windows: [{ start: "22:00", end: "22:00" }] },
  { windows: [{ start: "25:00", end: "07:00" }] },
  { windows: [{ start: "22:60", end: "07:00" }] },
  { windows: [{ start: "２２:00", end: "07:00" }] },
  { windows: [{ start: "22:00", end: "07:00", days: ["someday"] }] },
  { windows: [{ start: "22:00", end: "07:00", days: [1] }] },
  { windows: [{ start: "22:00", end: "07:00" }], timezone: "Nowhere/City" },
  { windows: [{ start: "22:00", end: "07:00" }], onEnd: "explode" },
  { windows: [{ start: "22:00", end: "07:00", extra: 1 }] },
  { windows: [{ start: 2200, end: 700 }] },
  { windows: Array(10_000).fill({ start: "22:00", end: "07:00" }) },
  { windows: deep(1000, { start: "22:00", end: "07:00" }) },
];

/** Raw bodies that are not a valid JSON object (or far too large). */
export const RAW_BODIES: [label: string, body: string, contentType?: string][] = [
  ["empty", ""],
  ["truncated", '{"name": "x", "source": "hf:acme/'],
  ["single quotes", "{'name': 'x'}"],
  ["trailing comma", '{"name": "x",}'],
  ["comment", '{"name": "x" /* hi */}'],
  ["NaN", '{"connections": NaN}'],
  ["bare number", "42"],
  ["array", "[1, 2, 3]"],
  ["null", "null"],
  ["string", '"hf:acme/tiny-model"'],
  ["BOM before a wrong type", '\ufeff{"name": 5}'],
  ["lone surrogate escape", '{"name": "\\ud800"}'],
  ["bad escape", '{"name": "\\x41"}'],
  ["huge number", '{"connections": 1' + "0".repeat(400) + "}"],
  ["deep arrays", '{"name": ' + "[".repeat(30_000) + "]".repeat(30_000) + "}"],
  ["deep objects", '{"x":'.repeat(10_000) + "1" + "}".repeat(10_000)],
  ["oversized", JSON.stringify({ name: "x".repeat(200_000) })],
  ["very oversized", " ".repeat(3 * 1024 * 1024) + "{}"],
  ["text/plain", '{"name": "x"}', "text/plain"],
  ["form", "name=x&source=hf:acme/tiny-model", "application/x-www-form-urlencoded"],
  ["binary", "\u0000\u0001\u0002\u00ff", "application/octet-stream"],
];

/** Queries of the list routes that must be refused. */
export const BAD_QUERIES: string[] = [
  "cursor=garbage",
  "cursor=%00",
  "cursor=" + "A".repeat(5000),
  "cursor=eyJ4IjoxfQ",
  "cursor=Li4vLi4vZXRj",
  "cursor=../../etc",
  "limit=-1",
  "limit=0",
  "limit=1e9",
  "limit=abc",
  "limit=20.5",
  "limit=99999999999999999999",
  "status=bogus",
  "status=active%00",
  "status=%E2%80%AEactive",
];

/** Path ids that name no schedule or run (or cannot be ids at all). */
export const BAD_IDS: string[] = [
  "nonexistent",
  "01JXXXXXXXXXXXXXXXXXXXXXXX",
  "..%2F..%2Fetc%2Fpasswd",
  "%00",
  "%E2%80%AE",
  "a".repeat(300),
  "%F0%9F%92%A3",
  "1%20OR%201%3D1",
];

/**
 * Valid bodies sent with a `Host` or `Origin` that is not this server's own (DNS rebinding,
 * cross-site requests): each must be refused 403 `forbidden_origin` before anything is written.
 */
function originRequests(port: number, base: Body, download: Body): HostileRequest[] {
  const variants: [label: string, headers: Record<string, string>][] = [
    ["rebinding", { host: `attacker.example:${port}`, origin: `http://attacker.example:${port}` }],
    ["rebinding without Origin", { host: `attacker.example:${port}` }],
    ["loopback-looking name", { host: `localhost.attacker.example:${port}` }],
    ["userinfo in Host", { host: `127.0.0.1:${port}@evil.example` }],
    ["another port", { host: `127.0.0.1:${port + 1}` }],
    ["no port", { host: "127.0.0.1" }],
    ["empty Host", { host: "" }],
    ["foreign Origin", { host: `127.0.0.1:${port}`, origin: "http://evil.example" }],
    ["Origin null", { host: `127.0.0.1:${port}`, origin: "null" }],
    ["https Origin", { host: `127.0.0.1:${port}`, origin: `https://127.0.0.1:${port}` }],
    ["other loopback name", { host: `[::1]:${port}`, origin: `http://127.0.0.1:${port}` }],
    ["Origin on another port", { host: `localhost:${port}`, origin: "http://localhost:3000" }],
  ];
  return variants.flatMap(([label, headers]) => [
    { label: `POST /schedules ${label}`, method: "POST", path: "/schedules", body: base, headers },
    {
      label: `POST /downloads ${label}`,
      method: "POST",
      path: "/downloads",
      body: download,
      headers,
    },
    { label: `GET /schedules ${label}`, method: "GET", path: "/schedules", headers },
  ]);
}

/**
 * 1,000 hostile requests (deterministic; order shuffled by `random`) against the schedules
 * `ids` (existing ids are only ever targeted with invalid bodies).
 */
export function hostileRequests(
  ids: string[],
  random: () => number,
  count = 1000,
  port?: number,
) {
  const base: Body = {
    name: "hostile",
    source: "hf:acme/tiny-model",
    trigger: { type: "cron", expression: "0 2 * * *" },
  };
  const download: Body = { source: "hf:acme/tiny-model" };
  const all: HostileRequest[] = [];
  const pickId = () => ids[Math.floor(random() * ids.length)];
  for (const [label, apply] of [...BODY_MUTATIONS, ...TRIGGER_MUTATIONS]) {
    all.push({
      label: `POST /schedules ${label}`,
      method: "POST",
      path: "/schedules",
      body: apply(base),
    });
    all.push({
      label: `PUT ${label}`,
      method: "PUT",
      path: `/schedules/${pickId()}`,
      body: apply(base),
    });
    all.push({
      label: `PATCH ${label}`,
      method: "PATCH",
      path: `/schedules/${pickId()}`,
      body: apply({}),
    });
    all.push({
      label: `POST /downloads ${label}`,
      method: "POST",
      path: "/downloads",
      body: apply(download),
    });
  }
  for (const [i, window] of WINDOW_BODIES.entries()) {
    all.push({
      label: `PUT window #${i}`,
      method: "PUT",
      path: `/schedules/${pickId()}/time-window`,
      body: window,
    });
    all.push({
      label: `validate window #${i}`,
      method: "POST",
      path: "/time-window/validate",
      body: window,
    });
    all.push({
      label: `POST /schedules window #${i}`,
      method: "POST",
      path: "/schedules",
      body: { ...base, timeWindow: window },
    });
  }
  const jsonRoutes: [string, string][] = [
    ["POST", "/schedules"],
    ["PUT", `/schedules/${ids[0]}`],
    ["PATCH", `/schedules/${ids[0]}`],
    ["POST", "/downloads"],
    ["PUT", `/schedules/${ids[0]}/time-window`],
    ["POST", "/time-window/validate"],
  ];
  for (const [label, body, contentType] of RAW_BODIES) {
    for (const [method, path] of jsonRoutes) {
      all.push({ label: `${method} ${path} raw ${label}`, method, path, body, contentType });
    }
  }
  for (const q of BAD_QUERIES) {
    all.push({ label: `list ${q}`, method: "GET", path: `/schedules?${q}` });
    all.push({ label: `runs ${q}`, method: "GET", path: `/schedules/${pickId()}/runs?${q}` });
  }
  for (const id of BAD_IDS) {
    for (
      const [method, suffix] of [
        ["GET", ""],
        ["PUT", ""],
        ["PATCH", ""],
        ["DELETE", ""],
        ["DELETE", "?hard=true"],
        ["POST", "/pause"],
        ["POST", "/resume"],
        ["POST", "/trigger"],
        ["POST", "/trigger?force=true"],
        ["GET", "/runs"],
        ["GET", "/time-window"],
        ["PUT", "/time-window"],
        ["DELETE", "/time-window"],
      ]
    ) {
      const body = method === "PUT" || method === "PATCH" ? base : undefined;
      all.push({
        label: `${method} id ${id}${suffix}`,
        method,
        path: `/schedules/${id}${suffix}`,
        body,
      });
    }
    all.push({ label: `GET run ${id}`, method: "GET", path: `/runs/${id}` });
    all.push({ label: `GET run events ${id}`, method: "GET", path: `/runs/${id}/events` });
  }
  for (const q of ["source=", "source=hf:../../etc", "source=file:///etc/passwd", "source=%00"]) {
    all.push({ label: `manifest ${q}`, method: "GET", path: `/manifest?${q}` });
  }
  if (port !== undefined) all.push(...originRequests(port, base, download));
  // fill up to `count` with random field mutations on random write routes
  const mutations = [...BODY_MUTATIONS, ...TRIGGER_MUTATIONS];
  while (all.length < count) {
    const [label, apply] = mutations[Math.floor(random() * mutations.length)];
    const second = BODY_MUTATIONS[Math.floor(random() * BODY_MUTATIONS.length)];
    const body = second[1](apply(base));
    all.push({
      label: `POST /schedules ${label} + ${second[0]}`,
      method: "POST",
      path: "/schedules",
      body,
    });
  }
  for (let i = all.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [all[i], all[j]] = [all[j], all[i]];
  }
  return all.slice(0, count);
}
