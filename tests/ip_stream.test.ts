// ip.ts streams its listings (examples/ip/json.ts over the library's ByteOutput, routes from
// streamRoutes): with 6000 routes in a table, the JSON (compact and -p) and the text of
// `ip.ts route show table T` are byte for byte what iproute2's `ip` prints, though they are
// several times the 64 KiB chunk the printer writes at a time, so every chunk boundary falls
// between two records as it should.
import { test } from "./harness.ts";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { runtimeCommand, sh, SKIP_KERNEL } from "./helpers.ts";

const IP_TS = new URL("../examples/ip.ts", import.meta.url).pathname;
const TABLE = "4242";

function ipts(args: string[]): string {
  const { argv } = runtimeCommand();
  const r = spawnSync(argv[0], [...argv.slice(1), IP_TS, ...args], {
    encoding: "utf8",
    maxBuffer: 64 << 20,
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

test("ip.ts route show streams 6000 routes in chunks, byte for byte as ip", {
  skip: SKIP_KERNEL,
}, () => {
  sh("ip", ["link", "add", "strm0", "type", "veth", "peer", "name", "strm1"]);
  try {
    sh("ip", ["link", "set", "strm0", "up"]);
    sh("ip", ["addr", "add", "198.18.7.1/24", "dev", "strm0"]);
    let batch = "";
    for (let i = 0; i < 6000; i++) {
      const dst = `10.${(i >> 8) & 255}.${i & 255}.0/24`;
      batch += i % 3 === 2
        ? `route add blackhole ${dst} table ${TABLE} proto static\n`
        : `route add ${dst} via 198.18.7.2 dev strm0 metric ${i % 7} table ${TABLE}\n`;
    }
    sh("ip", ["-batch", "-"], batch);
    for (const opts of [["-j"], ["-j", "-p"], [], ["-d"]]) {
      const args = [...opts, "route", "show", "table", TABLE];
      const want = sh("ip", args);
      const got = ipts(args);
      assert.ok(want.length > 4 * 65536, `${args.join(" ")}: ${want.length} bytes`);
      assert.equal(got, want, `ip.ts ${args.join(" ")}`);
    }
  } finally {
    sh("ip", ["route", "flush", "table", TABLE]);
    sh("ip", ["link", "del", "strm0"]);
  }
});
