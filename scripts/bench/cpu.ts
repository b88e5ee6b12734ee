import { readdirSync, readFileSync } from "node:fs";

/**
 * CPU time of processes, read from /proc (Linux): utime + stime of every thread, in seconds.
 * Unlike wall time it holds still when other work shares the machine, so a benchmark can
 * report "CPU-seconds per unit of work". A process tree counts its live descendants plus
 * what its exited children used (cutime + cstime, added when the parent reaps them): a
 * Postgres backend that ends during a measurement is still counted, by its postmaster.
 */
const TICKS_PER_SECOND = 100; // USER_HZ: 100 on every Linux ABI Node runs on

interface Stat {
  pid: number;
  ppid: number;
  own: number;
  reapedChildren: number;
}

function readStat(pid: number): Stat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined; // gone meanwhile
  }
  // the command name (field 2) may hold spaces and parentheses: fields after the last ")"
  const f = text.slice(text.lastIndexOf(")") + 2).split(" ");
  // f[0] is field 3 (state): ppid is field 4, utime..cstime fields 14..17
  return { pid, ppid: Number(f[1]), own: Number(f[11]) + Number(f[12]), reapedChildren: Number(f[13]) + Number(f[14]) };
}

function allStats(): Stat[] {
  const out: Stat[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const s = readStat(Number(name));
    if (s) out.push(s);
  }
  return out;
}

/** CPU-seconds used so far by `root` alone (its threads; not its children). */
export function processCpuSeconds(root: number): number {
  const s = readStat(root);
  if (!s) throw new Error(`no process ${root}`);
  return s.own / TICKS_PER_SECOND;
}

/** CPU-seconds used so far by `root` and all its descendants, live or reaped. */
export function treeCpuSeconds(root: number): number {
  const stats = allStats();
  const children = new Map<number, Stat[]>();
  for (const s of stats) {
    const list = children.get(s.ppid);
    if (list) list.push(s);
    else children.set(s.ppid, [s]);
  }
  const top = stats.find((s) => s.pid === root);
  if (!top) throw new Error(`no process ${root}`);
  let ticks = 0;
  for (const queue = [top]; queue.length;) {
    const s = queue.pop()!;
    ticks += s.own + s.reapedChildren;
    queue.push(...(children.get(s.pid) ?? []));
  }
  return ticks / TICKS_PER_SECOND;
}

/** The postmaster's pid, from postmaster.pid in the data directory. */
export function postmasterPid(dataDir: string): number {
  return Number(readFileSync(`${dataDir}/postmaster.pid`, "utf8").split("\n")[0]);
}
