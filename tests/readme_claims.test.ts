/**
 * The README's claims that no other test file checks: the package's import graph, no thread per
 * socket, the sandbox of `tests/run.sh`, the permissions (`--allow-ffi` only, reading as any user,
 * the `SO_RCVBUFFORCE` fallback), generic netlink through the socket API, `npm start`, and the
 * README's own snippets, run as written.
 */
import { test } from "./harness.ts";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  listAddresses,
  listLinks,
  listRoutes,
  MessageBuilder,
  NETLINK_GENERIC,
  NETLINK_ROUTE,
  NetlinkSocket,
  parseAttributes,
  readString,
  Rtnl,
} from "../mod.ts";
import {
  ipJson,
  runtimeCommand,
  sh,
  SKIP_KERNEL,
  startScript,
  uniqueName,
  waitFor,
} from "./helpers.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).pathname;
const proc = (globalThis as unknown as {
  process: { getuid(): number; env: Record<string, string | undefined> };
}).process;

/** The parent of process `pid`, from /proc/PID/status. */
function parentOf(pid: string): string {
  return /^PPid:\s*(\d+)$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1];
}

/**
 * The nearest ancestor of this process in another network namespace: the one that started
 * tests/run.sh (which `exec`s itself into `unshare -nm`), i.e. the host's namespace. Undefined
 * when no ancestor's namespace can be read or none differs.
 */
function hostProcess(): string | undefined {
  const mine = readlinkSync("/proc/self/ns/net");
  for (let pid = parentOf("self"); pid !== "0"; pid = parentOf(pid)) {
    try {
      if (readlinkSync(`/proc/${pid}/ns/net`) !== mine) return pid;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** Run `fn` with a fresh named network namespace inside the test namespace, then delete it. */
async function withNetns(
  prefix: string,
  fn: (ns: string) => void | Promise<void>,
): Promise<void> {
  const ns = uniqueName(prefix);
  sh("ip", ["netns", "add", ns]);
  try {
    sh("ip", ["-n", ns, "link", "set", "lo", "up"]);
    await fn(ns);
  } finally {
    sh("ip", ["netns", "del", ns]);
  }
}

test("README: the package imports nothing but its own files (no run-time dependency)", () => {
  const r = spawnSync("deno", ["info", "--json", "mod.ts"], { cwd: ROOT, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const info = JSON.parse(r.stdout) as {
    modules: { specifier: string; dependencies?: { specifier: string }[] }[];
  };
  const root = new URL("..", import.meta.url).href;
  assert.ok(info.modules.length > 10, "the graph lists the package's modules");
  // The runtimes' own modules (node:…, bun:…) are not dependencies; anything else must be ours.
  const builtin = /^(node|bun):/;
  for (const m of info.modules) {
    if (builtin.test(m.specifier)) continue;
    assert.ok(m.specifier.startsWith(root), `${m.specifier} is outside the package`);
    for (const d of m.dependencies ?? []) {
      assert.match(d.specifier, /^(\.\.?\/|node:|bun:)/, `${m.specifier} imports ${d.specifier}`);
    }
  }
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
  assert.equal(pkg.dependencies, undefined, "package.json has no run-time dependencies");
});

test("README: 50 sockets with waiting subscriptions add no thread per socket", {
  skip: SKIP_KERNEL,
  timeout: 30_000,
}, async () => {
  const n = 50;
  const child = startScript([...runtimeCommand().argv, fixture("many_sockets.ts"), String(n)]);
  const link = uniqueName("thr");
  try {
    const line = (prefix: string) => child.lines.find((l) => l.startsWith(prefix));
    const count = async (k: number) => {
      const l = await waitFor(() => line(`threads ${k} `), 15_000, `"threads ${k}"`).catch(
        (e) => {
          throw new Error(`${e.message}; stderr: ${child.stderr()}`);
        },
      );
      return Number(l!.split(" ")[2]);
    };
    const one = await count(1);
    const many = await count(n);
    // Each subscription must really be waiting: one link change wakes all of them.
    sh("ip", ["link", "add", link, "type", "bridge"]);
    await waitFor(() => line("woke "), 10_000, `all ${n} subscriptions to wake`);
    assert.equal(line("woke "), `woke ${n}`);
    assert.equal(await child.exited, 0, child.stderr());
    // A thread per socket would add 49; the runtime may start one or two of its own meanwhile.
    assert.ok(many - one <= 3, `${one} threads with 1 socket, ${many} with ${n}`);
  } finally {
    child.kill();
    spawnSync("ip", ["link", "del", link]);
  }
});

test("README: tests run in a network namespace that is not the host's", {
  skip: SKIP_KERNEL,
}, () => {
  const host = hostProcess();
  assert.ok(host, "no ancestor of the test process is in another network namespace");
  const cmd = readFileSync(`/proc/${host}/cmdline`, "utf8").replaceAll("\0", " ");
  assert.notEqual(readlinkSync(`/proc/${host}/ns/net`), readlinkSync("/proc/self/ns/net"), cmd);
  assert.notEqual(readlinkSync(`/proc/${host}/ns/mnt`), readlinkSync("/proc/self/ns/mnt"), cmd);
});

test("README: named namespaces of the tests live in a tmpfs the host does not see", {
  skip: SKIP_KERNEL,
}, () => {
  const host = hostProcess();
  assert.ok(host, "no ancestor of the test process is in another network namespace");
  // The mount that holds /run/netns here: the longest mount point that is a prefix of it.
  const mounts = (pid: string) =>
    readFileSync(`/proc/${pid}/mountinfo`, "utf8").trim().split("\n").map((l) => {
      const [pre, post] = l.split(" - ");
      const [fstype, source] = post.split(" ");
      return { point: pre.split(" ")[4], fstype, source };
    });
  const covering = mounts("self")
    .filter((m) => ["/", "/run", "/run/netns"].includes(m.point))
    .sort((a, b) => a.point.length - b.point.length)
    .pop()!;
  assert.equal(covering.fstype, "tmpfs", `/run/netns is on ${covering.fstype}`);
  // tests/run.sh names its tmpfs "netns-tmpfs" (or "run-tmpfs" when it had to mount /run).
  assert.ok(["netns-tmpfs", "run-tmpfs"].includes(covering.source), covering.source);
  // …and that mount stayed private: the host's mount table does not have it.
  const leaked = mounts(host).filter((m) => m.source === covering.source);
  assert.deepEqual(leaked, [], "tests/run.sh's tmpfs is visible outside its mount namespace");
});

test("README: Deno needs only --allow-ffi to open sockets, in any namespace", {
  skip: SKIP_KERNEL,
}, async () => {
  await withNetns("ffi", (ns) => {
    sh("ip", ["-n", ns, "link", "add", "ffi0", "type", "bridge"]);
    const argv = ["deno", "run", "--no-prompt", "--allow-ffi", fixture("ffi_only.ts"), ns];
    const r = spawnSync(argv[0], argv.slice(1), { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    const [here, there, subscribed] = r.stdout.trim().split("\n");
    const names = (args: string[]) => (ipJson<{ ifname: string }[]>(...args)).map((l) => l.ifname);
    assert.deepEqual(JSON.parse(here), names(["link"]));
    assert.deepEqual(JSON.parse(there), names(["-n", ns, "link"]));
    assert.deepEqual(JSON.parse(there), ["lo", "ffi0"]);
    assert.equal(subscribed, "aborted");
    // The same script without --allow-ffi is refused: the check above can see a missing flag.
    const denied = spawnSync(argv[0], argv.filter((a) => a !== "--allow-ffi").slice(1), {
      encoding: "utf8",
    });
    assert.notEqual(denied.status, 0);
    assert.match(denied.stderr, /--allow-ffi/);
  });
});

const SKIP_NOBODY = SKIP_KERNEL ||
  (proc.getuid() !== 0 ? "needs root to run a child as uid 65534" : false) ||
  (spawnSync("setpriv", ["--version"]).status !== 0 ? "needs setpriv (util-linux)" : false);

test(
  "README: reading works as an unprivileged user; a big receive buffer falls back to SO_RCVBUF",
  {
    skip: SKIP_NOBODY,
    timeout: 30_000,
  },
  async () => {
    const rmemMax = Number(readFileSync("/proc/sys/net/core/rmem_max", "utf8"));
    const want = 2 * rmemMax; // more than an unprivileged SO_RCVBUF may have
    const home = mkdtempSync(join(tmpdir(), "nobody-"));
    chmodSync(home, 0o777);
    try {
      const r = spawnSync("setpriv", [
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
        "--inh-caps=-all",
        "--bounding-set=-all",
        ...runtimeCommand().argv,
        fixture("read_as_user.ts"),
        String(want),
      ], {
        encoding: "utf8",
        env: { ...proc.env, HOME: home, DENO_DIR: join(home, "deno") },
      });
      assert.equal(r.status, 0, r.stderr);
      const got = JSON.parse(r.stdout);
      assert.equal(got.uid, "65534");
      assert.equal(got.capEff, "0000000000000000", "the child has no capabilities");

      // The same reads here, as root, and by ip.
      await using rt = await Rtnl.open();
      const links = (await listLinks(rt)).map((l) => ({ index: l.index, name: l.name }));
      const addresses = (await listAddresses(rt)).map((a) => ({
        index: a.index,
        address: a.address,
        prefixlen: a.prefixlen,
      }));
      const routes = (await listRoutes(rt, { table: "all" })).map((r) => ({
        family: r.family,
        dst: r.dst,
        table: r.table,
      }));
      assert.deepEqual(got.links, links);
      assert.deepEqual(got.addresses, addresses);
      assert.deepEqual(got.routes, routes);
      assert.ok(routes.length > 0);
      assert.deepEqual(
        got.links.map((l: { name: string }) => l.name),
        ipJson<{ ifname: string }[]>("link").map((l) => l.ifname),
      );

      // SO_RCVBUF: the kernel caps the request at rmem_max and doubles it (socket(7)).
      assert.equal(got.rcvbuf, 2 * rmemMax);
      // With CAP_NET_ADMIN, SO_RCVBUFFORCE gives the whole request (doubled).
      await using sock = await NetlinkSocket.open(NETLINK_ROUTE);
      assert.equal(sock.setReceiveBufferSize(want), 2 * want);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  },
);

test("README: NETLINK_GENERIC through the socket API lists the families genl lists", {
  skip: SKIP_KERNEL,
}, async () => {
  const GENL_ID_CTRL = 0x10, CTRL_CMD_GETFAMILY = 3, CTRL_ATTR_FAMILY_NAME = 2; // genetlink.h
  await using sock = await NetlinkSocket.open(NETLINK_GENERIC);
  const req = new MessageBuilder(GENL_ID_CTRL).raw(new Uint8Array([CTRL_CMD_GETFAMILY, 1, 0, 0]));
  const names: string[] = [];
  for await (const m of sock.dump(req.finish())) {
    const a = parseAttributes(m.payload, 4).find((x) => x.type === CTRL_ATTR_FAMILY_NAME);
    if (a) names.push(readString(a.data));
  }
  const genl = [...sh("genl", ["ctrl", "list"]).matchAll(/^Name: (\S+)$/gm)].map((m) => m[1]);
  assert.ok(genl.includes("nlctrl"));
  assert.deepEqual(names.sort(), genl.sort());
});

test("README: npm start prints what ip address prints", {
  skip: SKIP_KERNEL,
  timeout: 30_000,
}, () => {
  const r = spawnSync("npm", ["start", "--silent"], { cwd: ROOT, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, sh("ip", ["address"]));
});

/** The first ```ts block under the README heading `heading`, importing this checkout. */
function readmeSnippet(heading: string): string {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const at = readme.indexOf(`\n## ${heading}\n`);
  assert.ok(at >= 0, `README has a "## ${heading}" section`);
  const m = /```ts\n([\s\S]*?)```/.exec(readme.slice(at));
  assert.ok(m, `a ts block under "${heading}"`);
  const mod = new URL("../mod.ts", import.meta.url).href;
  return m[1].replaceAll('"jsr:@netlink/netlink"', JSON.stringify(mod));
}

/** Run a README snippet in namespace `ns` under the current runtime. */
function runSnippet(heading: string, ns: string, dir: string) {
  const file = join(dir, `${heading.replace(/\W+/g, "_")}.ts`);
  writeFileSync(file, readmeSnippet(heading));
  return startScript(["ip", "netns", "exec", ns, ...runtimeCommand().argv, file]);
}

/** Run `fn` with a temporary directory, removed afterwards. */
async function withTmp(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "readme-"));
  try {
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("README: the Dump example prints each link's index and name", {
  skip: SKIP_KERNEL,
}, async () => {
  await withTmp((dir) =>
    withNetns("dmp", async (ns) => {
      sh("ip", ["-n", ns, "link", "add", "d0", "type", "veth", "peer", "name", "d1"]);
      const child = runSnippet("Dump: every link", ns, dir);
      assert.equal(await child.exited, 0, child.stderr());
      const want = ipJson<{ ifindex: number; ifname: string }[]>("-n", ns, "link");
      assert.deepEqual(child.lines, want.map((l) => `${l.ifindex} ${l.ifname}`));
    })
  );
});

test("README: the Subscribe example reports link changes", {
  skip: SKIP_KERNEL,
  timeout: 30_000,
}, async () => {
  await withTmp((dir) =>
    withNetns("sub", async (ns) => {
      const child = runSnippet("Subscribe: link changes as they happen", ns, dir);
      try {
        // The snippet needs a moment to subscribe: add a link until a change is reported.
        let index: number | undefined;
        for (let i = 0; index === undefined && i < 20; i++) {
          const name = `s${i}`;
          sh("ip", ["-n", ns, "link", "add", name, "type", "bridge"]);
          const [l] = ipJson<{ ifindex: number }[]>("-n", ns, "link", "show", "dev", name);
          const line = `new/changed ${l.ifindex}`;
          if (await waitFor(() => child.lines.includes(line), 1000, line).catch(() => false)) {
            index = l.ifindex;
            sh("ip", ["-n", ns, "link", "del", name]);
            await waitFor(
              () => child.lines.includes(`deleted ${index}`),
              5000,
              `"deleted ${index}"`,
            );
          }
        }
        assert.ok(index !== undefined, `nothing reported; stderr: ${child.stderr()}`);
      } finally {
        child.kill();
      }
    })
  );
});

test("README: the Typed rtnetlink example adds a veth, an address and a route, and watches", {
  skip: SKIP_KERNEL,
  timeout: 30_000,
}, async () => {
  await withTmp((dir) =>
    withNetns("typ", async (ns) => {
      const child = runSnippet("Typed rtnetlink", ns, dir);
      try {
        const route = "198.51.100.0/24 192.0.2.254 100";
        await waitFor(() => child.lines.includes(route), 10_000, `"${route}"`).catch((e) => {
          throw new Error(`${e.message}; printed ${child.lines}; stderr: ${child.stderr()}`);
        });
        const [v0] = ipJson<Record<string, unknown>[]>("-n", ns, "-d", "address", "show", "v0");
        assert.equal((v0.linkinfo as { info_kind: string }).info_kind, "veth");
        assert.equal(v0.link, "v1");
        assert.ok((v0.flags as string[]).includes("UP"));
        const v4 = (v0.addr_info as { family: string; local: string; prefixlen: number }[])
          .filter((a) => a.family === "inet");
        assert.deepEqual(v4.map((a) => `${a.local}/${a.prefixlen}`), ["192.0.2.1/24"]);
        assert.deepEqual(ipJson("-n", ns, "route", "show", "table", "100"), [
          { dst: "198.51.100.0/24", gateway: "192.0.2.254", dev: "v0", flags: ["linkdown"] },
        ]);
        // The listing shows the routes the kernel made for the address, in their tables.
        for (const r of ["192.0.2.0/24 undefined 254", "192.0.2.1/32 undefined 255"]) {
          await waitFor(() => child.lines.includes(r), 5000, `"${r}"`);
        }
        // The watch: a link change is reported as "link new" (change the MTU until one is: the
        // watch starts a moment after the routes are printed).
        let seen = false;
        for (let i = 0; !seen && i < 10; i++) {
          sh("ip", ["-n", ns, "link", "set", "v1", "mtu", String(1400 + i)]);
          seen = await waitFor(() => child.lines.includes("link new"), 1000, "link new").then(
            () => true,
            () => false,
          );
        }
        assert.ok(seen, `no "link new"; printed ${child.lines}; stderr: ${child.stderr()}`);
      } finally {
        child.kill();
      }
    })
  );
});
