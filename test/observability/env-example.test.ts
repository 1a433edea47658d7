/**
 * .env.example is the operator's reference for configuration: it must name every variable
 * src/config.ts reads, and the values it shows uncommented must be the real defaults.
 */
import fs from "node:fs";
import path from "node:path";
import { loadConfig } from "../../src/config";

const root = path.join(__dirname, "..", "..");
const example = fs.readFileSync(path.join(root, ".env.example"), "utf8");
const configSource = fs.readFileSync(path.join(root, "src", "config.ts"), "utf8");

/** Names read from the environment in src/config.ts: readX(env, "NAME", …) and env.NAME. */
function variablesReadByConfig(): string[] {
  const names = new Set<string>();
  for (const m of configSource.matchAll(/read\w+\(env, "([A-Z][A-Z0-9_]*)"/g)) names.add(m[1]);
  for (const m of configSource.matchAll(/\benv\.([A-Z][A-Z0-9_]*)/g)) names.add(m[1]);
  return [...names].sort();
}

function assignments(text: string, commented: boolean): Map<string, string> {
  const pattern = commented ? /^#\s*([A-Z][A-Z0-9_]*)=(.*)$/gm : /^([A-Z][A-Z0-9_]*)=(.*)$/gm;
  return new Map([...text.matchAll(pattern)].map((m) => [m[1], m[2].trim()]));
}

describe(".env.example", () => {
  it("documents every variable src/config.ts reads", () => {
    const documented = new Set([...assignments(example, false).keys(), ...assignments(example, true).keys()]);
    const read = variablesReadByConfig();
    expect(read.length).toBeGreaterThan(10);
    expect(read.filter((name) => !documented.has(name))).toEqual([]);
  });

  it("documents nothing src/config.ts does not read", () => {
    const read = new Set(variablesReadByConfig());
    const documented = [...assignments(example, false).keys(), ...assignments(example, true).keys()];
    expect(documented.filter((name) => !read.has(name))).toEqual([]);
  });

  it("shows the real defaults: its uncommented values configure exactly what an empty environment does", () => {
    const fromExample = loadConfig(Object.fromEntries(assignments(example, false)));
    expect(fromExample).toEqual(loadConfig({}));
  });

  it("contains no secret values", () => {
    for (const [name, value] of assignments(example, false)) {
      if (/TOKEN|SECRET|PASSWORD|DATABASE_URL/.test(name)) expect(`${name}=${value}`).toBe(`${name}=`);
    }
  });
});
