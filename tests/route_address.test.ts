// Real-kernel tests of families/route/address.ts; every change is read back with `ip -j`.
import { test } from "./harness.ts";
import assert from "node:assert/strict";
import { Rtnl } from "../families/route/rtnl.ts";
import { addAddress, deleteAddress, listAddresses } from "../families/route/address.ts";
import { ipJson, sh, SKIP_KERNEL, uniqueName } from "./helpers.ts";

type AddrInfo = {
  family: string;
  local: string;
  address?: string;
  prefixlen: number;
  broadcast?: string;
  scope: string;
  label?: string;
  valid_life_time?: number;
  preferred_life_time?: number;
  nodad?: boolean;
  noprefixroute?: boolean;
};
const addrs = (dev: string) =>
  ipJson<{ addr_info: AddrInfo[] }[]>("addr", "show", "dev", dev)[0]?.addr_info ?? [];
const code = (c: string) => (e: unknown) => (e as { code?: string }).code === c;

function veth(): [string, string, () => void] {
  const a = uniqueName("aa"), b = uniqueName("ab");
  sh("ip", ["link", "add", a, "type", "veth", "peer", "name", b]);
  sh("ip", ["link", "set", a, "up"]);
  return [a, b, () => sh("ip", ["link", "del", a])];
}

test("addAddress IPv4 with broadcast, label, scope; replace with lifetimes; delete", {
  skip: SKIP_KERNEL,
}, async () => {
  const [a, , done] = veth();
  await using rt = await Rtnl.open();
  try {
    await addAddress(rt, { dev: a, address: "10.20.30.1/24", broadcast: true, label: `${a}:x` });
    let info = addrs(a).find((i) => i.local === "10.20.30.1")!;
    assert.equal(info.prefixlen, 24);
    assert.equal(info.broadcast, "10.20.30.255");
    assert.equal(info.label, `${a}:x`);
    assert.equal(info.scope, "global");
    await addAddress(rt, {
      dev: a,
      address: { local: "10.20.31.1", prefixlen: 16 },
      scope: "link",
    });
    assert.equal(addrs(a).find((i) => i.local === "10.20.31.1")!.scope, "link");
    await addAddress(
      rt,
      { dev: a, address: "10.20.30.1/24", validLifetime: 600, preferredLifetime: 300 },
      { replace: true },
    );
    info = addrs(a).find((i) => i.local === "10.20.30.1")!;
    assert.ok(info.valid_life_time! <= 600 && info.valid_life_time! > 590);
    assert.ok(info.preferred_life_time! <= 300 && info.preferred_life_time! > 290);
    await deleteAddress(rt, { dev: a, address: "10.20.30.1/24" });
    await deleteAddress(rt, { dev: a, address: "10.20.31.1/16" });
    assert.equal(addrs(a).filter((i) => i.family === "inet").length, 0);
  } finally {
    done();
  }
});

test("addAddress IPv6 with flags and a peer address", { skip: SKIP_KERNEL }, async () => {
  const [a, , done] = veth();
  await using rt = await Rtnl.open();
  try {
    await addAddress(rt, {
      dev: a,
      address: "2001:db8:0:1::1/64",
      flags: ["nodad", "noprefixroute"],
    });
    const info = addrs(a).find((i) => i.local === "2001:db8:0:1::1")!;
    assert.equal(info.prefixlen, 64);
    assert.equal(info.nodad, true);
    assert.equal(info.noprefixroute, true);
    await addAddress(rt, { dev: a, address: "10.9.9.1", peer: "10.9.9.2/32" });
    const p = addrs(a).find((i) => i.local === "10.9.9.1")!;
    assert.equal(p.address, "10.9.9.2");
    const ours = (await listAddresses(rt, { dev: a })).find((x) => x.address === "10.9.9.1")!;
    assert.equal(ours.peer, "10.9.9.2");
    await deleteAddress(rt, { dev: a, address: "2001:db8:0:1::1/64" });
    assert.equal(addrs(a).some((i) => i.local === "2001:db8:0:1::1"), false);
  } finally {
    done();
  }
});

test("listAddresses matches ip -j addr show", { skip: SKIP_KERNEL }, async () => {
  const [a, , done] = veth();
  sh("ip", ["addr", "add", "10.44.0.1/24", "dev", a]);
  sh("ip", ["addr", "add", "2001:db8:44::1/64", "dev", a, "nodad"]);
  await using rt = await Rtnl.open();
  try {
    const theirs = ipJson<{ ifindex: number; addr_info: AddrInfo[] }[]>("addr", "show");
    const ours = await listAddresses(rt);
    const flat = theirs.flatMap((l) => l.addr_info.map((i) => ({ index: l.ifindex, ...i })));
    assert.equal(ours.length, flat.length);
    for (const t of flat) {
      const o = ours.find((x) => x.ifindex === t.index && x.address === t.local);
      assert.ok(o, `${t.local} listed`);
      assert.equal(o.prefixlen, t.prefixlen);
      assert.equal(o.scope, t.scope);
      assert.equal(o.family, t.family);
      assert.equal(o.broadcast, t.broadcast);
      assert.equal(o.peer, t.address); // ip's "address" is the peer (IFA_ADDRESS ≠ IFA_LOCAL)
      assert.equal(o.label, t.label);
    }
    const v6 = await listAddresses(rt, { family: "inet6", dev: a });
    assert.ok(v6.every((x) => x.family === "inet6"));
    assert.ok(v6.some((x) => x.address === "2001:db8:44::1"));
  } finally {
    done();
  }
});

test("errors: EEXIST, EADDRNOTAVAIL, ENODEV, misuse", { skip: SKIP_KERNEL }, async () => {
  const [a, , done] = veth();
  await using rt = await Rtnl.open();
  try {
    await addAddress(rt, { dev: a, address: "10.55.0.1/24" });
    await assert.rejects(addAddress(rt, { dev: a, address: "10.55.0.1/24" }), code("EEXIST"));
    await deleteAddress(rt, { dev: a, address: "10.55.0.1/24" });
    await assert.rejects(
      deleteAddress(rt, { dev: a, address: "10.55.0.1/24" }),
      code("EADDRNOTAVAIL"),
    );
    await assert.rejects(
      addAddress(rt, { dev: "nosuchdev0", address: "10.1.1.1/8" }),
      code("ENODEV"),
    );
    await assert.rejects(addAddress(rt, { dev: a, address: "10.1.1.1/33" }), RangeError);
    await assert.rejects(addAddress(rt, { dev: a, address: "10.1.1/8" }), TypeError);
    await assert.rejects(addAddress(rt, { address: "10.1.1.1/8" } as never), TypeError);
    await assert.rejects(
      addAddress(rt, { dev: a, address: "10.1.1.1/8", flags: ["bogus" as "nodad"] }),
      TypeError,
    );
  } finally {
    done();
  }
});
