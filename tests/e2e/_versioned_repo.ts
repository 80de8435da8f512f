/**
 * Test support for the cache tests: a repo whose large file changes between versions while
 * its small config and a shared large file stay, optionally with a tag left on version 1.
 * @module
 */
import type { FakeRepoSpec } from "../../fixtures/fake_hub.ts";

const MIB = 1024 * 1024;

/** A repo whose `big.bin` changes between versions; config and shared.bin stay. */
export function versionedRepo(id: string, version: number, tagOld = false): FakeRepoSpec {
  const files = (v: number) => [
    { path: "config.json", content: '{"model_type":"retain"}\n' },
    { path: "shared.bin", size: MIB + 3, seed: `${id}-shared`, lfs: true },
    { path: "big.bin", size: 3 * MIB + v, seed: `${id}-big-${v}`, lfs: true },
  ];
  return version === 1
    ? { id, branches: { main: files(1) }, ...(tagOld ? { tags: { v1: "main" } } : {}) }
    : {
      id,
      branches: { main: files(version), ...(tagOld ? { release: files(1) } : {}) },
      ...(tagOld ? { tags: { v1: "release" } } : {}),
    };
}
