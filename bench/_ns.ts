/**
 * The benchmark's network namespaces: `<prefix><tag>`, created with `ip netns add` and filled
 * with routes and veth pairs by `ip -batch`, remembered so that every one of them is deleted on
 * the way out (`deleteAll`), whatever happens.
 *
 * @module
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { run } from "./_proc.ts";

/** The namespaces of one run; batch files go to `scratch`. */
export class Namespaces {
  readonly #created = new Set<string>();
  readonly #routes: Record<string, string> = {};

  /** Names are `prefix` + tag; `scratch` is a directory for the `ip -batch` files. */
  constructor(readonly prefix: string, readonly scratch: string) {}

  /**
   * A namespace `<prefix><tag>` with `routes` /32 routes and `links` veth pairs, built as
   * ../shared/peers/setup-netns.sh builds them: lo and bench0/bench0p (198.18.0.1/24) up, IPv6
   * off; route i is 10.a.b.c/32 via 198.18.0.2 (every 4th a blackhole); pair i is va<i>/vb<i>,
   * up. An earlier namespace of that name is deleted first.
   */
  make(tag: string, routes: number, links: number): string {
    const name = this.prefix + tag;
    this.delete(name);
    run("ip", ["netns", "add", name]);
    this.#created.add(name);
    run("ip", ["-n", name, "link", "set", "lo", "up"]);
    run("ip", [
      "netns",
      "exec",
      name,
      "sysctl",
      "-qw",
      "net.ipv6.conf.all.disable_ipv6=1",
      "net.ipv6.conf.default.disable_ipv6=1",
    ]);
    const lines = [
      "link add bench0 type veth peer name bench0p",
      "link set bench0 up",
      "link set bench0p up",
      "address add 198.18.0.1/24 dev bench0",
    ];
    for (let i = 0; i < links; i++) lines.push(`link add va${i} type veth peer name vb${i}`);
    for (let i = 0; i < links; i++) {
      lines.push(`link set va${i} up`, `link set vb${i} up`);
      lines.push(`address add 172.16.${Math.floor(i / 250)}.${(i % 250) + 1}/32 dev va${i}`);
    }
    this.#batch(name, lines);
    if (routes > 0) this.#batch(name, routeLines(routes, 10));
    return name;
  }

  /** The namespace `tag` with `n` routes and no veth pairs, made on first use and then kept. */
  needRoutes(n: number, tag: string): string {
    return this.#routes[tag] ??= this.make(tag, n, 0);
  }

  /** Delete namespace `name` (nothing if it is gone already). */
  delete(name: string): void {
    try {
      run("ip", ["netns", "delete", name]);
    } catch { /* already gone */ }
    this.#created.delete(name);
  }

  /** Delete every namespace this run created and has not deleted yet. */
  deleteAll(): void {
    for (const n of [...this.#created]) this.delete(n);
  }

  #batch(ns: string, lines: string[]): void {
    const file = join(this.scratch, `batch-${ns}`);
    writeFileSync(file, lines.join("\n") + "\n");
    run("ip", ["-n", ns, "-batch", file]);
  }
}

/** `ip -batch` lines adding `n` /32 routes `<first>.a.b.c`, every 4th a blackhole. */
function routeLines(n: number, first: number): string[] {
  const out: string[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const a = Math.floor(i / 65536), b = Math.floor(i / 256) % 256, c = i % 256;
    out[i] = i % 4 === 3
      ? `route add blackhole ${first}.${a}.${b}.${c}/32 proto static`
      : `route add ${first}.${a}.${b}.${c}/32 via 198.18.0.2 dev bench0 metric 100 proto static`;
  }
  return out;
}
