/**
 * `NETLINK_CRYPTO` (crypto_user): the kernel's crypto algorithms — name, driver, module,
 * priority, reference count, flags and the data of their type — as `/proc/crypto` shows them.
 *
 * The tables come from `specs/local/crypto.yaml` (generated into
 * `families/generated/crypto.ts`) and go through the generic {@link Client}; this module gives
 * the answers one typed shape. Kernels built without `CONFIG_CRYPTO_USER` have no such protocol:
 * opening fails with a {@link ProtocolUnavailableError} that says so.
 *
 * @example
 * ```ts
 * import { cryptoAlgorithms } from "@netlink/netlink/crypto";
 * for (const a of await cryptoAlgorithms()) console.log(a.name, a.driver, a.priority, a.type);
 * ```
 *
 * @module
 */
import { Client, type ClientOptions } from "../../client/client.ts";
import { NETLINK_CRYPTO } from "../../codec/mod.ts";
import * as crypto from "../generated/crypto.ts";
import { explainProtocolError } from "../protocols.ts";

export * from "../generated/crypto.ts";

/** The type-specific data of an algorithm (the `CRYPTOCFGA_REPORT_*` attribute it came in). */
export type CryptoReport =
  | { attribute: "hash"; type: string; blocksize: number; digestsize: number }
  | { attribute: "cipher"; type: string; blocksize: number; minKeysize: number; maxKeysize: number }
  | {
    attribute: "blkcipher";
    type: string;
    geniv: string;
    blocksize: number;
    minKeysize: number;
    maxKeysize: number;
    ivsize: number;
  }
  | {
    attribute: "aead";
    type: string;
    geniv: string;
    blocksize: number;
    maxauthsize: number;
    ivsize: number;
  }
  | { attribute: "rng"; type: string; seedsize: number }
  | { attribute: "compress" | "akcipher" | "kpp" | "acomp" | "larval"; type: string };

/** One algorithm, as the kernel reports it. */
export interface CryptoAlgorithm {
  /** Algorithm name (`sha256`, `cbc(aes)`). */
  name: string;
  /** Implementation name (`sha256-generic`). */
  driver: string;
  /** Module, `kernel` when built in. */
  module: string;
  /** Priority (the highest wins for a name). */
  priority: number | undefined;
  /** Reference count. */
  refcnt: number;
  /** `CRYPTO_ALG_*` flags. */
  flags: number;
  /** The type as /proc/crypto names it (`shash`, `skcipher`, …), from the report. */
  type: string | undefined;
  /** The type-specific data, when the kernel sent it. */
  report: CryptoReport | undefined;
}

/** The typed form of a decoded `getalg` reply. */
export function toAlgorithm(
  m: { header: crypto.CryptoUserAlg; attrs: crypto.CryptoAttrs },
): CryptoAlgorithm {
  const a = m.attrs;
  let report: CryptoReport | undefined;
  if (a.reportHash) {
    const r = a.reportHash;
    report = { attribute: "hash", type: r.type, blocksize: r.blocksize, digestsize: r.digestsize };
  } else if (a.reportCipher) {
    const r = a.reportCipher;
    report = {
      attribute: "cipher",
      type: r.type,
      blocksize: r.blocksize,
      minKeysize: r.minKeysize,
      maxKeysize: r.maxKeysize,
    };
  } else if (a.reportBlkcipher) {
    const r = a.reportBlkcipher;
    report = {
      attribute: "blkcipher",
      type: r.type,
      geniv: r.geniv,
      blocksize: r.blocksize,
      minKeysize: r.minKeysize,
      maxKeysize: r.maxKeysize,
      ivsize: r.ivsize,
    };
  } else if (a.reportAead) {
    const r = a.reportAead;
    report = {
      attribute: "aead",
      type: r.type,
      geniv: r.geniv,
      blocksize: r.blocksize,
      maxauthsize: r.maxauthsize,
      ivsize: r.ivsize,
    };
  } else if (a.reportRng) {
    report = { attribute: "rng", type: a.reportRng.type, seedsize: a.reportRng.seedsize };
  } else {
    const simple = [
      ["compress", a.reportCompress],
      ["akcipher", a.reportAkcipher],
      ["kpp", a.reportKpp],
      ["acomp", a.reportAcomp],
      ["larval", a.reportLarval],
    ] as const;
    for (const [attribute, r] of simple) {
      if (r) {
        report = { attribute, type: r.type };
        break;
      }
    }
  }
  return {
    name: m.header.cruName,
    driver: m.header.cruDriverName,
    module: m.header.cruModuleName,
    priority: a.priorityVal,
    refcnt: m.header.cruRefcnt,
    flags: m.header.cruFlags,
    type: report?.type,
    report,
  };
}

/**
 * Open a client for the crypto family.
 *
 * @throws {ProtocolUnavailableError} when the kernel lacks `CONFIG_CRYPTO_USER`.
 */
export async function openCrypto(options: ClientOptions = {}): Promise<Client> {
  try {
    return await Client.open(crypto.family, options);
  } catch (e) {
    throw explainProtocolError(NETLINK_CRYPTO, e);
  }
}

/**
 * Every algorithm the kernel has (a `CRYPTO_MSG_GETALG` dump), on `client` or on a socket of
 * its own.
 *
 * @throws {ProtocolUnavailableError} when the kernel lacks `CONFIG_CRYPTO_USER`.
 */
export async function cryptoAlgorithms(
  options: ClientOptions & { client?: Client } = {},
): Promise<CryptoAlgorithm[]> {
  const own = options.client === undefined;
  const client = options.client ?? await openCrypto(options);
  try {
    const out: CryptoAlgorithm[] = [];
    for await (const m of client.dump(crypto.operations.getalg)) out.push(toAlgorithm(m));
    return out;
  } finally {
    if (own) client.close();
  }
}

/**
 * One algorithm by exact name (and driver, if given): the highest-priority one of that name.
 *
 * @throws {NetlinkError} `ENOENT` when there is none.
 */
export async function cryptoAlgorithm(
  name: string,
  options: ClientOptions & { client?: Client; driver?: string } = {},
): Promise<CryptoAlgorithm> {
  const own = options.client === undefined;
  const client = options.client ?? await openCrypto(options);
  try {
    const m = await client.get(crypto.operations.getalg, {
      header: { cruName: name, cruDriverName: options.driver ?? "" },
    });
    return toAlgorithm(m);
  } finally {
    if (own) client.close();
  }
}
