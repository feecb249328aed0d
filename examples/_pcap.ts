/**
 * `--pcap FILE` for the example tools: taken out of the command line before each tool parses
 * the rest, then given to the library as the `pcap` socket option of every socket the tool
 * opens (they share the file), so the capture holds what the tool sent and received, as
 * `LINKTYPE_NETLINK` records tshark and Wireshark dissect. `NETLINK_PCAP=FILE` does the same
 * for every socket of the process without the option.
 *
 * @module
 */
import { UsageError } from "./_io.ts";

/** The command line without its `--pcap` options. */
export interface PcapArgument {
  /** The capture file: the last `--pcap FILE` or `--pcap=FILE` given, if any. */
  pcap?: string;
  /** The other arguments, in order. */
  rest: string[];
}

/**
 * Take `--pcap FILE` and `--pcap=FILE` out of `argv` (all of them; the last one wins). Words
 * after a lone `--` are left alone.
 *
 * @param tool the tool's name, for the error message.
 * @throws {UsageError} (exit status 2) when `--pcap` has no file name.
 */
export function pcapArgument(argv: readonly string[], tool: string): PcapArgument {
  const rest: string[] = [];
  let pcap: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") {
      rest.push(...argv.slice(i));
      break;
    }
    if (a === "--pcap" || a.startsWith("--pcap=")) {
      const file = a === "--pcap" ? argv[++i] : a.slice("--pcap=".length);
      if (file === undefined || file === "") {
        throw new UsageError(`${tool}: --pcap needs a file name\n`, 2);
      }
      pcap = file;
    } else rest.push(a);
  }
  return { pcap, rest };
}
