// Checks an unpacked .mcpb: for every platform manifest.json claims, and on
// macOS and Linux for both processors, the command the client would start
// resolves to a file in the bundle, and what finally runs is a binary built for
// that system and processor (read from its header, not its name).
// The macOS/Linux launcher is run for real, with a stand-in uname, on a copy of
// the bundle whose binaries are replaced by stubs that print their own path.
// Usage: node bundle-platforms.mjs UNPACKED_DIR. PASS/FAIL lines; exit 1 on a FAIL.
import { execFileSync } from "node:child_process";
import { chmodSync, closeSync, cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";

const dir = process.argv[2];
const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
let failed = 0;
const pass = (msg) => console.log(`PASS bundle: ${msg}`);
const fail = (msg) => {
  failed++;
  console.log(`FAIL bundle: ${msg}`);
};

function head(file, n = 64) {
  const buf = Buffer.alloc(n);
  const fd = openSync(file, "r");
  const got = readSync(fd, buf, 0, n, 0);
  closeSync(fd);
  return buf.subarray(0, got);
}

// target names the system and processor a binary was built for, from its header.
function target(file) {
  const b = head(file);
  if (b.subarray(0, 4).equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]))) {
    return { 0x3e: "linux/amd64", 0xb7: "linux/arm64" }[b.readUInt16LE(18)] ?? "linux/other";
  }
  if (b.readUInt32LE(0) === 0xfeedfacf) {
    return { 0x01000007: "darwin/amd64", 0x0100000c: "darwin/arm64" }[b.readUInt32LE(4)] ?? "darwin/other";
  }
  if (b.subarray(0, 2).toString() === "MZ") {
    const pe = head(file, 4096);
    const at = pe.readUInt32LE(0x3c);
    return { 0x8664: "windows/amd64", 0xaa64: "windows/arm64" }[pe.readUInt16LE(at + 4)] ?? "windows/other";
  }
  if (b.subarray(0, 2).toString() === "#!") return "script";
  return "unknown";
}

function files(root) {
  return readdirSync(root, { recursive: true }).map((f) => join(root, f)).filter((f) => statSync(f).isFile());
}

// What uname -s and uname -m print on each system and processor.
const systemName = { darwin: "Darwin", linux: "Linux" };
const machineName = { amd64: { darwin: "x86_64", linux: "x86_64" }, arm64: { darwin: "arm64", linux: "aarch64" } };

const platforms = manifest.compatibility?.platforms ?? [];
if (platforms.length === 0) fail("manifest.json claims no platforms");
for (const platform of platforms) {
  const config = { ...manifest.server.mcp_config, ...(manifest.server.mcp_config.platform_overrides?.[platform] ?? {}) };
  const command = config.command.replaceAll("${__dirname}", dir);
  const label = `${platform}: ${config.command}`;
  if (!existsSync(command) || !statSync(command).isFile()) {
    fail(`${label} is not a file in the bundle`);
    continue;
  }
  if (platform === "win32") {
    const t = target(command);
    if (t === "windows/amd64") pass(`${label} is a Windows x64 binary (Windows on ARM runs it emulated)`);
    else fail(`${label} is ${t}, want windows/amd64`);
    continue;
  }
  if ((statSync(command).mode & 0o111) === 0) {
    fail(`${label} is not executable`);
    continue;
  }
  const os = platform;
  for (const arch of ["amd64", "arm64"]) {
    const want = `${os}/${arch}`;
    if (target(command) === want) {
      pass(`${label} on ${arch} is a ${want} binary`);
      continue;
    }
    if (target(command) !== "script") {
      fail(`${label} on ${arch} is ${target(command)}, want ${want}`);
      continue;
    }
    // Run the launcher on a copy whose binaries are stubs, with uname saying os/arch.
    const copy = mkdtempSync(join(tmpdir(), "bundle-"));
    try {
      cpSync(dir, copy, { recursive: true });
      const built = {};
      for (const f of files(copy)) {
        const t = target(f);
        if (t === "script") continue;
        built[relative(copy, f)] = t;
        writeFileSync(f, '#!/bin/sh\necho "$0"\n');
        chmodSync(f, 0o755);
      }
      const fake = join(copy, ".fake-bin");
      mkdirSync(fake);
      const machine = machineName[arch][os];
      writeFileSync(join(fake, "uname"), `#!/bin/sh\ncase "$1" in -s) echo ${systemName[os]} ;; -m) echo ${machine} ;; esac\n`);
      chmodSync(join(fake, "uname"), 0o755);
      const ran = execFileSync(command.replace(dir, copy), [], { encoding: "utf8", env: { PATH: `${fake}:${process.env.PATH}` } }).trim();
      const got = built[relative(copy, ran)];
      if (got === want) pass(`${label} on ${os} ${machine} starts ${relative(copy, ran)}, a ${want} binary`);
      else fail(`${label} on ${os} ${machine} starts ${ran ? relative(copy, ran) : "nothing"}, which is ${got}, want ${want}`);
    } catch (e) {
      fail(`${label} on ${arch}: ${(e.stderr?.toString() || e.message).trim()}`);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  }
}
process.exit(failed ? 1 : 0);
