// Bundles src/index.ts (and the CSS it imports) with esbuild into ../build/textcoder.{js,css}
// and writes ../build/index.html, which loads them with a content hash against stale caches.
//   npm run build              the files committed in ../build (the Python package serves them)
//   node build.mjs --serve     rebuild on change into a temporary folder (never ../build) and
//                              serve it on http://127.0.0.1:3001; then run
//                              WORKBENCH_TEXTCODER_DEV_URL=http://127.0.0.1:3001 streamlit run ...
import * as esbuild from "esbuild";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const serve = process.argv.includes("--serve");
const out = serve ? join(tmpdir(), "workbench-textcoder-dev") : resolve(here, "..", "build");

function writeIndex() {
  const hash = (name) => {
    const file = join(out, name);
    return existsSync(file) ? createHash("sha256").update(readFileSync(file)).digest("hex").slice(0, 10) : "dev";
  };
  const html = `<!doctype html>
<html lang="nb">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>textcoder</title>
<link rel="stylesheet" href="textcoder.css?v=${hash("textcoder.css")}">
</head>
<body>
<div id="root"></div>
<script src="textcoder.js?v=${hash("textcoder.js")}"></script>
</body>
</html>
`;
  writeFileSync(join(out, "index.html"), html);
}

const options = {
  entryPoints: [join(here, "src", "index.ts")],
  bundle: true,
  minify: !serve,
  sourcemap: serve ? "inline" : false,
  format: "iife",
  target: ["es2020"],
  outfile: join(out, "textcoder.js"),
  logLevel: "info",
  plugins: [{ name: "index-html", setup(build) { build.onEnd((result) => { if (!result.errors.length) writeIndex(); }); } }],
};

mkdirSync(out, { recursive: true });
for (const name of ["index.html", "textcoder.js", "textcoder.css"]) rmSync(join(out, name), { force: true });
if (serve) {
  const ctx = await esbuild.context(options);
  await ctx.watch();
  const { port } = await ctx.serve({ servedir: out, host: "127.0.0.1", port: 3001 });
  console.log(`textcoder dev server on http://127.0.0.1:${port}`);
} else {
  await esbuild.build(options);
}
