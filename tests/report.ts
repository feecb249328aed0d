/**
 * The summary of `tests/run.sh`: reads each runner's JUnit report, exit status and declared
 * skips, prints per-runtime counts and every skip with its reason, and ends with one line
 * `N passed, N failed, N skipped` in which each test counts once per runtime.
 *
 * Usage: `deno run --allow-read tests/report.ts DIR RUNTIME...` where DIR holds, per runtime,
 * `RUNTIME.xml` (JUnit), `RUNTIME.rc` (exit status) and `RUNTIME.skips` (name TAB reason lines),
 * and optionally `verify-*.xml`/`.rc` for passes that check but do not count.
 *
 * A run fails when a runner exits non-zero, reports an error outside a test, runs no test, or
 * runs a different set of tests than the other runtime (a file that died half-way).
 *
 * @module
 */

interface Case {
  name: string;
  status: "passed" | "failed" | "skipped";
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function unescape(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (m, e: string) => {
    if (e[0] !== "#") return ENTITIES[e] ?? m;
    return String.fromCodePoint(e[1] === "x" ? parseInt(e.slice(2), 16) : parseInt(e.slice(1)));
  });
}

function attr(attrs: string, name: string): string {
  const m = new RegExp(`\\b${name}="([^"]*)"`).exec(attrs);
  return m ? unescape(m[1]) : "";
}

/** Test cases of a JUnit file (Deno's and Bun's dialects). */
export function parseJunit(xml: string): Case[] {
  const cases: Case[] = [];
  let current: Case | null = null;
  const tag = /<(\/?)(testcase|skipped|failure|error)\b([^>]*?)(\/?)>/g;
  for (const m of xml.matchAll(tag)) {
    const [, close, kind, attrs, selfClose] = m;
    if (kind === "testcase") {
      if (close) current = null;
      else {
        current = { name: attr(attrs, "name"), status: "passed" };
        cases.push(current);
        if (selfClose) current = null;
      }
    } else if (current && !close) {
      current.status = kind === "skipped" ? "skipped" : "failed";
    }
  }
  return cases;
}

async function read(path: string): Promise<string | null> {
  try {
    return await Deno.readTextFile(path);
  } catch {
    return null;
  }
}

interface Result {
  label: string;
  cases: Case[];
  problems: string[];
}

async function load(dir: string, label: string): Promise<Result> {
  const problems: string[] = [];
  const xml = await read(`${dir}/${label}.xml`);
  const rc = Number((await read(`${dir}/${label}.rc`))?.trim() ?? "1");
  const cases = xml === null ? [] : parseJunit(xml);
  if (xml === null) problems.push(`${label}: no report (the runner did not finish)`);
  const failed = cases.filter((c) => c.status === "failed").length;
  if (cases.length === 0) problems.push(`${label}: ran no test`);
  if (rc !== 0 && failed === 0) {
    problems.push(
      `${label}: exited with status ${rc} although no test failed (an error outside a test)`,
    );
  }
  if (rc === 0 && failed > 0) problems.push(`${label}: exited 0 with failed tests`);
  return { label, cases, problems };
}

/** Deno's report names the file that called `Deno.test` (the harness), so tests are matched by
 * name, counted: a name used in two files must run twice under both runtimes. */
function tally(cases: Case[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const c of cases) m.set(c.name, (m.get(c.name) ?? 0) + 1);
  return m;
}

function counts(cases: Case[]) {
  const n = { passed: 0, failed: 0, skipped: 0 };
  for (const c of cases) n[c.status]++;
  return n;
}

if (import.meta.main) {
  const [dir, ...runtimes] = Deno.args;
  const problems: string[] = [];
  const results: Result[] = [];
  for (const label of runtimes) results.push(await load(dir, label));
  for (const entry of Deno.readDirSync(dir)) {
    const m = /^(verify-.*)\.xml$/.exec(entry.name);
    if (!m) continue;
    const r = await load(dir, m[1]);
    const n = counts(r.cases);
    console.log(`== ${m[1]} (checks, not counted): ${n.passed} passed, ${n.failed} failed`);
    problems.push(...r.problems);
    for (const c of r.cases) if (c.status === "failed") problems.push(`${m[1]}: failed: ${c.name}`);
  }

  // The same tests must run under every runtime: a file that died half-way runs fewer.
  const tallies = results.map((r) => tally(r.cases));
  for (let i = 0; i < results.length; i++) {
    for (let j = 0; j < results.length; j++) {
      for (const [name, n] of tallies[i]) {
        const there = tallies[j].get(name) ?? 0;
        if (there < n) problems.push(`${results[j].label}: ran "${name}" ${there} times, not ${n}`);
      }
    }
  }

  let passed = 0, failed = 0, skipped = 0;
  for (const r of results) {
    const reasons = new Map<string, string>();
    for (const line of ((await read(`${dir}/${r.label}.skips`)) ?? "").split("\n")) {
      const tab = line.indexOf("\t");
      if (tab > 0) reasons.set(line.slice(0, tab), line.slice(tab + 1));
    }
    for (const c of r.cases) {
      if (c.status === "skipped") {
        console.log(`skipped (${r.label}): ${c.name}: ${reasons.get(c.name) ?? "no reason given"}`);
      }
      if (c.status === "failed") console.log(`FAILED (${r.label}): ${c.name}`);
    }
    const n = counts(r.cases);
    console.log(`== ${r.label}: ${n.passed} passed, ${n.failed} failed, ${n.skipped} skipped`);
    passed += n.passed;
    failed += n.failed;
    skipped += n.skipped;
    problems.push(...r.problems);
    const unexplained = r.cases.filter((c) => c.status === "skipped" && !reasons.has(c.name));
    if (unexplained.length) {
      problems.push(`${r.label}: ${unexplained.length} skip(s) without a declared reason`);
    }
  }
  for (const p of problems) console.log(`FAILED (run): ${p}`);
  failed += problems.length;
  console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
  Deno.exit(failed === 0 ? 0 : 1);
}
