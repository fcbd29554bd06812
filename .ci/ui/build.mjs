// Builds tools/ui/src into tools/ui/coverage.html: one HTML file with its script
// and styles inline, which the Go binary embeds. With --check it builds in
// memory and fails when the committed file differs from what its sources build.
//
//   node .ci/ui/build.mjs           write tools/ui/coverage.html
//   node .ci/ui/build.mjs --check   exit 1 when it is stale
import * as esbuild from "esbuild";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const src = path.join(here, "../../tools/ui/src");
const out = path.join(here, "../../tools/ui/coverage.html");
// The resource must stay small: hosts fetch it with every connection.
const maxBytes = 300 * 1024;

// The MCP SDK imports zod as the whole `z` namespace, so esbuild keeps every one
// of zod's ~40 error-message locales (about 150 KB) although only English is ever
// used. This plugin resolves zod's locale index to English alone.
const englishOnly = {
  name: "zod-english-only",
  setup(build) {
    build.onResolve({ filter: /\/locales\/index\.js$/ }, (args) =>
      args.importer.includes(`${path.sep}zod${path.sep}`)
        ? { path: path.join(path.dirname(args.importer), "../locales/en.js"), namespace: "zod-en" }
        : undefined);
    build.onLoad({ filter: /.*/, namespace: "zod-en" }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(args.path)};`,
      resolveDir: path.dirname(args.path),
    }));
  },
};

async function bundle() {
  const js = await esbuild.build({
    entryPoints: [path.join(src, "main.js")],
    bundle: true,
    minify: true,
    format: "iife",
    target: "es2022",
    legalComments: "none",
    write: false,
    nodePaths: [path.join(here, "node_modules")],
    plugins: [englishOnly],
    logLevel: "warning",
  });
  const css = await esbuild.build({
    entryPoints: [path.join(src, "style.css")],
    bundle: true,
    minify: true,
    write: false,
    logLevel: "warning",
  });
  const script = js.outputFiles[0].text.trim().replaceAll("</script", "<\\/script");
  const style = css.outputFiles[0].text.trim();
  const page = readFileSync(path.join(src, "index.html"), "utf8")
    .replace("/*STYLE*/", () => style)
    .replace("/*SCRIPT*/", () => script);
  if (!page.startsWith('<!doctype html><html lang="en"')) {
    throw new Error("index.html must start with <!doctype html><html lang=\"en\">: tools/ui/ui.go marks read-only mode right after it");
  }
  return page;
}

const page = await bundle();
const size = Buffer.byteLength(page);
if (size > maxBytes) {
  console.error(`FAIL ui: coverage.html is ${size} bytes, over the ${maxBytes} byte budget`);
  process.exit(1);
}
if (process.argv.includes("--check")) {
  let committed = "";
  try {
    committed = readFileSync(out, "utf8");
  } catch {}
  if (committed !== page) {
    console.log("FAIL ui: tools/ui/coverage.html does not match tools/ui/src: run node .ci/ui/build.mjs and commit the result");
    process.exit(1);
  }
  console.log(`PASS ui: tools/ui/coverage.html matches its sources (${size} bytes, budget ${maxBytes})`);
} else {
  writeFileSync(out, page);
  console.log(`wrote tools/ui/coverage.html (${size} bytes)`);
}
