// RTM_NEWPREFIX as the kernel sends it: two messages captured from Linux 6.18 after a real
// Router Advertisement (tests/fixtures/rtm_newprefix.ts says how), decoded with no permissions.
import { test } from "./harness.ts";
import assert from "node:assert/strict";
import { parseMessages } from "../codec/mod.ts";
import { decodeBody } from "../codec/ynl/mod.ts";
import { decodePrefix, newprefix, RTM_NEWPREFIX } from "../families/route/mcast.ts";
import { hex } from "./codec_helpers.ts";
import { IFINDEX, NEWPREFIX_HEX, RA_PREFIXES } from "./fixtures/rtm_newprefix.ts";

/** RFC 4861 Prefix Information flags: on-link, autonomous. */
const L = 0x80, A = 0x40;

test("captured RTM_NEWPREFIX messages decode to what the Router Advertisement carried", () => {
  for (const [i, h] of NEWPREFIX_HEX.entries()) {
    const sent = RA_PREFIXES[i];
    const [msg, ...rest] = [...parseMessages(hex(h))];
    assert.equal(rest.length, 0);
    assert.equal(msg.type, RTM_NEWPREFIX);
    assert.equal(msg.length, 60);
    const m = decodeBody(newprefix, msg.payload);
    assert.equal(m.header.family, 10);
    assert.equal(m.header.ifindex, IFINDEX);
    assert.equal(m.header.type, 3, "ND_OPT_PREFIX_INFORMATION");
    assert.equal(m.header.len, sent.len);
    // Linux >= 6.7 copies the option's flags byte as it was sent.
    assert.equal(m.header.flags, sent.flags);
    assert.deepEqual(m.attrs.cacheinfo, { preferredTime: sent.preferred, validTime: sent.valid });
    const p = decodePrefix(m);
    assert.equal(p.prefix, `${sent.prefix}/${sent.len}`);
    assert.equal(p.ifindex, IFINDEX);
    assert.equal(p.validTime, sent.valid);
    assert.equal(p.preferredTime, sent.preferred);
  }
});

test("captured RTM_NEWPREFIX flags decode as the Router Advertisement's L and A bits", () => {
  for (const [i, h] of NEWPREFIX_HEX.entries()) {
    const sent = RA_PREFIXES[i];
    const [msg] = [...parseMessages(hex(h))];
    const p = decodePrefix(decodeBody(newprefix, msg.payload));
    assert.deepEqual(
      { onLink: p.onLink, autoconf: p.autoconf },
      { onLink: (sent.flags & L) !== 0, autoconf: (sent.flags & A) !== 0 },
      `prefix ${sent.prefix}/${sent.len}, flags 0x${sent.flags.toString(16)}`,
    );
  }
});
