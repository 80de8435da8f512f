import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import {
  flagUsage,
  SETTINGS_TABLE_HEADER,
  settingsMarkdown,
  settingsTableRows,
} from "../../src/cli/settings_doc.ts";
import { parseServeFlags, SERVE_USAGE } from "../../src/cli/serve_flags.ts";
import type { Setting } from "../../src/setting.ts";
import { SETTINGS } from "../../src/settings.ts";

const README = fileURLToPath(new URL("../../README.md", import.meta.url));

/** The cells of the README's settings table (the one with the table's header), row by row. */
async function readmeSettingsTable(): Promise<string[][]> {
  const lines = (await Deno.readTextFile(README)).split("\n");
  const cells = (line: string) =>
    line.trim().slice(1, -1).split(/(?<!\\)\|/).map((c) => c.trim().replaceAll("\\|", "|"));
  const start = lines.findIndex((l) =>
    l.startsWith("|") && cells(l).join("\t") === SETTINGS_TABLE_HEADER.join("\t")
  );
  assert.ok(start >= 0, "README.md has no settings table with the table's header");
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith("|")) break;
    rows.push(cells(line));
  }
  return rows;
}

Deno.test("README's settings table is the settings table, row for row", async () => {
  const readme = await readmeSettingsTable();
  const want = settingsTableRows();
  assert.deepEqual(
    readme,
    want,
    `README.md's settings table drifted from src/settings.ts; the table should read:\n` +
      settingsMarkdown(),
  );
});

Deno.test("every flag, variable and file key of the table is in the README and --help", async () => {
  const text = await Deno.readTextFile(README);
  for (const setting of Object.values(SETTINGS) as Setting<unknown>[]) {
    for (const name of setting.env ?? []) assert.ok(text.includes(`\`${name}`), name);
    if (setting.file) assert.ok(text.includes(`\`${setting.file}\``), setting.file);
    if (setting.flag && !setting.client) {
      assert.ok(SERVE_USAGE.includes(`  ${flagUsage(setting)} `), setting.flag);
    }
  }
});

Deno.test("serve's flags come from the table: values, switches, repeated lists", () => {
  const flags = parseServeFlags([
    "--port",
    "9000",
    "--insecure-no-auth",
    "--allow-hosts",
    "a.example",
    "--allow-hosts=10.0.0.0/8",
    "--config",
    "np.json",
  ]);
  assert.deepEqual(flags, {
    port: "9000",
    "insecure-no-auth": true,
    "allow-hosts": "a.example,10.0.0.0/8",
    config: "np.json",
  });
  assert.throws(() => parseServeFlags(["--server", "http://x"]), /--server/);
  assert.throws(() => parseServeFlags(["--port"]), /--port/);
});
