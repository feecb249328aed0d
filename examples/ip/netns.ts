/**
 * `ip netns list|add|del|exec|set|list-id` on the library's namespace management (`addNetns`,
 * `deleteNetns`, `listNetns`, `runInNetns`) and namespace ids (`getNsid`, `setNsid`,
 * `listNsids`).
 *
 * @module
 */
import { errnoMessage } from "../../codec/errno.ts";
import { NetlinkError } from "../../codec/netlink_error.ts";
import { parseNumber } from "../../families/route/names.ts";
import { getNsid, listNsids, setNsid } from "../../families/route/nsid.ts";
import { addNetns, deleteNetns, listNetns, runInNetns } from "../../socket/netns.ts";
import { type Context, exit, unknownCommand, UsageError } from "./cli.ts";

/** A namespace error as ip prints it (`Cannot create namespace file "…": File exists`). */
function nsError(e: unknown): never {
  if (e instanceof NetlinkError) {
    const op = e.operation;
    const sep = /^(Cannot|Failed)/.test(op) ? ": " : " failed: ";
    throw new UsageError(`${op}${sep}${errnoMessage(e.errno)}`, 1);
  }
  if (e instanceof TypeError) throw new UsageError(e.message, 1);
  throw e;
}

/** The namespace name after a command, or ip's error. */
function nameArg(argv: string[]): string {
  if (argv.length === 0) throw new UsageError("No netns name specified", 1);
  return argv[0];
}

interface Spawner {
  Deno?: {
    Command: new (cmd: string, o: object) => { spawn(): { status: Promise<{ code: number }> } };
  };
  Bun?: { spawn(argv: string[], o: object): { exited: Promise<number> } };
}

/** `ip netns exec NAME CMD…`: the command in the namespace (network only), its exit status. */
async function exec(argv: string[]): Promise<void> {
  const name = nameArg(argv);
  const cmd = argv.slice(1);
  if (cmd.length === 0) throw new UsageError("No command specified", 1);
  const g = globalThis as unknown as Spawner;
  let code: number;
  try {
    code = await runInNetns(name, () => {
      if (g.Deno) {
        const child = new g.Deno.Command(cmd[0], {
          args: cmd.slice(1),
          stdin: "inherit",
          stdout: "inherit",
          stderr: "inherit",
        }).spawn();
        return child.status.then((s) => s.code);
      }
      return g.Bun!.spawn(cmd, { stdio: ["inherit", "inherit", "inherit"] }).exited;
    });
  } catch (e) {
    if (e instanceof NetlinkError && e.operation.startsWith("open(")) {
      throw new UsageError(
        `Cannot open network namespace "${name}": ${errnoMessage(e.errno)}`,
        255,
      );
    }
    if (e instanceof NetlinkError) throw e;
    throw new UsageError(`exec of "${cmd[0]}" failed: No such file or directory`, 1);
  }
  if (code !== 0) exit(code);
}

/** `ip netns list`: each name, with its id here when it has one. */
async function list(ctx: Context): Promise<void> {
  const p = ctx.p;
  p.start();
  for (const name of await listNetns()) {
    p.openObject();
    p.any("name", name, name);
    const id = await getNsid(ctx.rt, name).catch(() => -1);
    if (id >= 0) p.any("id", ` (id: ${id})`, id);
    p.text("\n");
    p.closeObject();
  }
  p.finish();
  ctx.flush();
}

/** `ip netns list-id`. */
async function listIds(ctx: Context): Promise<void> {
  const names = new Map<number, string>();
  for (const name of await listNetns()) {
    const id = await getNsid(ctx.rt, name).catch(() => -1);
    if (id >= 0) names.set(id, name);
  }
  const p = ctx.p;
  p.start();
  for (const e of await listNsids(ctx.rt)) {
    p.openObject();
    p.any("nsid", `nsid ${e.nsid} `, e.nsid);
    const n = names.get(e.nsid);
    if (n !== undefined) p.any("name", `(iproute2 netns name: ${n})`, n);
    p.text("\n");
    p.closeObject();
  }
  p.finish();
  ctx.flush();
}

/** `ip netns …`. */
export async function netns(ctx: Context, argv: string[]): Promise<void> {
  const cmd = argv[0] ?? "list";
  const rest = argv.slice(1);
  try {
    if (cmd === "list" || cmd === "show" || cmd === "lst") return await list(ctx);
    if (cmd === "list-id") return await listIds(ctx);
    if (cmd === "add") return await addNetns(nameArg(rest));
    if (cmd === "del" || cmd === "delete") return await deleteNetns(nameArg(rest));
    if (cmd === "exec") return await exec(rest);
    if (cmd === "set") {
      const name = nameArg(rest);
      const id = rest[1] === "auto" ? undefined : parseNumber(rest[1] ?? "", 0x7fffffff);
      if (rest[1] !== "auto" && id === undefined) {
        throw new UsageError(`Invalid "netnsid" value`, 1);
      }
      return await setNsid(ctx.rt, name, { nsid: id });
    }
  } catch (e) {
    if (cmd === "add" || cmd === "del" || cmd === "delete") nsError(e);
    throw e;
  }
  unknownCommand(cmd, "netns");
}
