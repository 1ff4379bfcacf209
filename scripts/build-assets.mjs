#!/usr/bin/env node
// Build the front-end assets for Local Supplier Register into app/static/.
//
//   npm install && npm run build      (or: node scripts/build-assets.mjs)
//
// - compiles assets/scss/app.scss (GOV.UK Frontend 6 from Sass, council brand,
//   system fonts) to app/static/css/app.css, compressed, with a source map;
// - copies GOV.UK Frontend's ES module bundle (+ map) to app/static/js/;
// - copies GOV.UK Frontend's images to app/static/govuk/assets/images/, except
//   the fonts and the GOV.UK brand images (crown, crest, icons, favicons,
//   opengraph image), which a council service must not use.
//
// Safe to run again: every output is rewritten in full and stale files from an
// earlier run are removed from the folders this script owns.

import { copyFile, mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

import * as sass from "sass";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const rel = (p) => path.relative(root, p) || ".";

const govukDist = path.join(root, "node_modules", "govuk-frontend", "dist", "govuk");
const staticDir = path.join(root, "app", "static");

const scssEntry = path.join(root, "assets", "scss", "app.scss");
const cssOut = path.join(staticDir, "css", "app.css");
const jsOutDir = path.join(staticDir, "js");
const govukAssetsOut = path.join(staticDir, "govuk", "assets");
const favicon = path.join(staticDir, "images", "favicon.svg");

// GOV.UK brand images: never copied. Matched by name so that a later
// govuk-frontend release that adds another brand file under one of these names
// is skipped too.
const BRAND_IMAGE = [
  /^govuk-crest/i, // Royal Arms
  /^govuk-icon-/i, // crown icons and mask icon
  /^govuk-opengraph-image/i,
  /^govuk-logo/i,
  /^favicon\./i, // crown favicons: we ship our own app/static/images/favicon.svg
];

const built = [];

async function exists(p) {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

async function fileSize(p) {
  const { size } = await stat(p);
  return size < 1024 ? `${size} B` : `${(size / 1024).toFixed(1)} KiB`;
}

async function compileCss() {
  await mkdir(path.dirname(cssOut), { recursive: true });

  const deprecations = new Map();
  const result = await sass.compileAsync(scssEntry, {
    style: "compressed",
    sourceMap: true,
    sourceMapIncludeSources: true,
    importers: [new sass.NodePackageImporter(root)],
    // Deprecation notices from inside node_modules are not ours to fix.
    quietDeps: true,
    logger: {
      warn(message, { deprecation, deprecationType, span }) {
        if (deprecation) {
          const key = deprecationType?.id ?? "deprecation";
          deprecations.set(key, (deprecations.get(key) ?? 0) + 1);
          return;
        }
        const where = span ? ` (${span.url ? rel(fileURLToPath(span.url)) : "?"}:${span.start.line + 1})` : "";
        console.warn(`sass warning${where}: ${message}`);
      },
      debug(message) {
        console.log(`sass debug: ${message}`);
      },
    },
  });

  // Make the source map's paths relative and readable, not file:// URLs.
  const map = result.sourceMap;
  map.sources = map.sources.map((source) => {
    if (!source.startsWith("file:")) return source;
    return path.relative(path.dirname(cssOut), fileURLToPath(source)).split(path.sep).join("/");
  });
  map.file = path.basename(cssOut);

  const mapName = `${path.basename(cssOut)}.map`;
  const css = `${result.css}\n/*# sourceMappingURL=${mapName} */\n`;
  await writeFile(cssOut, css);
  await writeFile(`${cssOut}.map`, JSON.stringify(map));

  // Guard rails: the council brand must not pull in GOV.UK's typeface.
  if (css.includes("GDS Transport") || /url\([^)]*\/fonts\//.test(css)) {
    throw new Error(`${rel(cssOut)} references GDS Transport or GOV.UK font files: check assets/scss/app.scss`);
  }

  built.push(`${rel(cssOut)} (${await fileSize(cssOut)}) + ${mapName}`);
  for (const [id, count] of deprecations) {
    console.log(`note: sass reported ${count} '${id}' deprecation notice(s); not fatal`);
  }
}

async function copyJs() {
  await mkdir(jsOutDir, { recursive: true });
  for (const name of ["govuk-frontend.min.js", "govuk-frontend.min.js.map"]) {
    const from = path.join(govukDist, name);
    const to = path.join(jsOutDir, name);
    await copyFile(from, to);
    built.push(`${rel(to)} (${await fileSize(to)})`);
  }
}

async function copyGovukAssets() {
  // This folder belongs to the build: start clean so nothing stale (or a
  // brand file from an older build) survives.
  await rm(path.join(staticDir, "govuk"), { recursive: true, force: true });
  const imagesIn = path.join(govukDist, "assets", "images");
  const imagesOut = path.join(govukAssetsOut, "images");
  await mkdir(imagesOut, { recursive: true });

  const skipped = [];
  let copied = 0;
  for (const entry of await readdir(imagesIn, { withFileTypes: true })) {
    if (!entry.isFile()) continue;
    if (BRAND_IMAGE.some((re) => re.test(entry.name))) {
      skipped.push(entry.name);
      continue;
    }
    await copyFile(path.join(imagesIn, entry.name), path.join(imagesOut, entry.name));
    built.push(rel(path.join(imagesOut, entry.name)));
    copied += 1;
  }
  if (copied === 0) built.push(`${rel(imagesOut)}/ (no non-brand images in govuk-frontend)`);
  if (skipped.length) console.log(`skipped GOV.UK brand images: ${skipped.sort().join(", ")}`);
  console.log("skipped GOV.UK fonts (the council brand uses system fonts)");

  // GOV.UK's web app manifest only lists GOV.UK icons; keep the manifest but
  // only with icons we actually ship (and our own favicon).
  const manifest = JSON.parse(await readFile(path.join(govukDist, "assets", "manifest.json"), "utf8"));
  const shipped = (manifest.icons ?? []).filter((icon) => {
    const name = path.basename(icon.src ?? "");
    return !BRAND_IMAGE.some((re) => re.test(name));
  });
  const ours = {
    ...manifest,
    icons: [
      ...shipped,
      { src: "/static/images/favicon.svg", type: "image/svg+xml", sizes: "any", purpose: "any" },
    ],
  };
  const manifestOut = path.join(govukAssetsOut, "manifest.json");
  await writeFile(manifestOut, `${JSON.stringify(ours, null, 2)}\n`);
  built.push(`${rel(manifestOut)} (GOV.UK icons removed, council favicon listed)`);
}

async function checkFavicon() {
  if (!(await exists(favicon))) {
    throw new Error(`${rel(favicon)} is missing: it is a source file, restore it from git`);
  }
  built.push(`${rel(favicon)} (source file, kept as is)`);
}

async function main() {
  if (!(await exists(govukDist))) {
    throw new Error(`${rel(govukDist)} not found: run "npm install" first`);
  }
  const { version } = JSON.parse(
    await readFile(path.join(root, "node_modules", "govuk-frontend", "package.json"), "utf8"),
  );
  console.log(`Building assets with govuk-frontend ${version} and sass ${sass.info.split("\t")[1] ?? sass.info}`);

  await compileCss();
  await copyJs();
  await copyGovukAssets();
  await checkFavicon();

  console.log("Built:");
  for (const line of built) console.log(`  ${line}`);
}

const isMain = import.meta.url === pathToFileURL(process.argv[1] ?? "").href;
if (isMain) {
  main().catch((error) => {
    console.error(`build-assets: ${error.message}`);
    process.exit(1);
  });
}
