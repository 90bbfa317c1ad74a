#!/usr/bin/env node
// walletd's command line. The sources are TypeScript and there is no build step to remember:
// the first run after a change bundles src/ with esbuild, together with the dependencies it
// imports, into node_modules/.cache/walletd/, named by a hash of the sources, and every later run
// loads that one file as plain JavaScript. Running the sources through tsx's loader hooks instead
// tripled the time to the first answered request, and loading the dependencies from node_modules
// (a few thousand files, each resolved and read by Node's loader) took as long as everything else
// start-up does (see BENCHMARKS.md). If the bundle cannot be built or written, tsx runs the
// sources directly.
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const BUNDLE_FORMAT = 2 // bump when the build options below change

function sourceFiles(dir) {
  const out = []
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) out.push(...sourceFiles(full))
    else if (/\.(ts|json)$/.test(entry.name)) out.push(full)
  }
  return out
}

function packageVersion(dir) {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).version ?? null
  } catch {
    return undefined
  }
}

/**
 * The bundle holds the dependencies' code, so it is stale once one of them is upgraded even if
 * src/ did not change: beside it, `<bundle>.inputs.json` lists each bundled package's folder and
 * version, and the source files it was built from.
 */
function readInputs(bundle) {
  try {
    return JSON.parse(fs.readFileSync(`${bundle}.inputs.json`, 'utf8'))
  } catch {
    return undefined
  }
}

function dependenciesUnchanged(inputs) {
  return Object.entries(inputs.packages).every(([dir, version]) => packageVersion(dir) === version)
}

/**
 * Size, times and inode of every file a bundle was built from (its sources and each bundled
 * package's package.json, which npm rewrites when it installs another version): stat calls only,
 * several times cheaper than reading and hashing src/ at every start.
 */
function statSignature(files) {
  const hash = createHash('sha256')
  for (const file of files) {
    const s = fs.statSync(file)
    hash.update(`${file}\0${s.size}\0${s.mtimeMs}\0${s.ctimeMs}\0${s.ino}\n`)
  }
  return hash.digest('hex')
}

const statFiles = (inputs) => [
  ...inputs.sources,
  ...Object.keys(inputs.packages).map((dir) => path.join(dir, 'package.json')),
]

/**
 * A CommonJS file that names `__dirname` or `__filename` (to read a file of its own package, say)
 * gets them declared with its real location: in an ES module bundle they do not exist.
 */
const cjsLocations = {
  name: 'cjs-locations',
  setup(build) {
    build.onLoad({ filter: /[\\/]node_modules[\\/].*\.c?js$/ }, (args) => {
      const contents = fs.readFileSync(args.path, 'utf8')
      if (!/\b__(?:dirname|filename)\b/.test(contents)) return undefined
      // A module that declares them itself (an ES module deriving them from import.meta.url) keeps its own.
      if (/\b(?:const|let|var|function|class)\s+__(?:dirname|filename)\b/.test(contents)) return undefined
      // On the first line, so the source map's lines stay those of the file.
      const declare = `var __filename = ${JSON.stringify(args.path)}, __dirname = ${JSON.stringify(path.dirname(args.path))};`
      return { contents: `${declare}${contents}`, loader: 'js', resolveDir: path.dirname(args.path) }
    })
  },
}

/**
 * A package the sources load with `import()` is loaded on first use (an SMTP transport, Redis,
 * passkeys), not at start: it stays outside the bundle and comes from node_modules when asked for.
 * (Only the sources' own imports: a dependency's `import()` may name a nested copy of a package,
 * which only esbuild's resolution from that dependency finds.)
 */
const lazyPackagesOutside = (src) => ({
  name: 'lazy-packages-outside',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) =>
      args.kind === 'dynamic-import' && args.importer.startsWith(src + path.sep)
        ? { path: args.path, external: true }
        : undefined,
    )
  },
})

async function build(src, bundle) {
  const { build } = await import('esbuild')
  const { outputFiles, metafile } = await build({
    entryPoints: [path.join(src, 'main.ts')],
    outfile: bundle,
    absWorkingDir: root,
    bundle: true,
    // The database drivers are loaded with createRequire (one per dialect; better-sqlite3 is a
    // native addon), which esbuild does not follow: they always come from node_modules.
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // Dependencies written as CommonJS call require(), which an ES module does not have.
    banner: {
      js: "import { createRequire as __walletdCreateRequire } from 'node:module'; const require = __walletdCreateRequire(import.meta.url);",
    },
    plugins: [cjsLocations, lazyPackagesOutside(src)],
    // Without whitespace and comments the file is a third smaller and ASCII only (a one-byte string
    // for V8): less to read and parse at every start. Names are kept, for stack traces.
    minifyWhitespace: true,
    legalComments: 'none',
    sourcemap: 'external',
    metafile: true,
    write: false,
    logLevel: 'silent',
  })
  const code = outputFiles.find((f) => f.path.endsWith('.mjs'))
  const map = outputFiles.find((f) => f.path.endsWith('.map'))
  const inputs = { sources: [], packages: {} }
  for (const input of Object.keys(metafile.inputs)) {
    const file = path.resolve(root, input)
    const dir = /^(.*[\\/]node_modules[\\/](?:@[^\\/]+[\\/])?[^\\/]+)[\\/]/.exec(file)?.[1]
    if (!dir) inputs.sources.push(file)
    else if (!(dir in inputs.packages)) inputs.packages[dir] = packageVersion(dir) ?? null
  }
  write(`${bundle}.map`, map.contents)
  write(bundle, `${code.text}//# sourceMappingURL=${path.basename(bundle)}.map\n`)
  // Last: it is what marks the bundle complete.
  write(`${bundle}.inputs.json`, `${JSON.stringify(inputs, null, 1)}\n`)
  return inputs
}

// Written under a temporary name and renamed, so a process starting at the same time never reads a
// half-written file.
function write(file, contents) {
  const temporary = `${file}.${process.pid}.tmp`
  fs.writeFileSync(temporary, contents)
  fs.renameSync(temporary, file)
}

async function bundledMain() {
  const cacheDir = path.join(root, 'node_modules', '.cache', 'walletd')
  const src = path.join(root, 'src')
  // The quick check: the bundle the last run used, if none of its inputs changed since (stat only).
  // It must have been built from this src/: a node_modules shared by two checkouts (a link) holds
  // one current.json for both.
  const current = path.join(cacheDir, 'current.json')
  let unchanged
  try {
    const last = JSON.parse(fs.readFileSync(current, 'utf8'))
    const built = last.format === BUNDLE_FORMAT && last.src === src
    if (built && statSignature(last.files) === last.signature) {
      unchanged = path.join(cacheDir, last.bundle)
    }
  } catch {
    // no bundle yet, or an input is gone: the full check below
  }
  if (unchanged) return import(pathToFileURL(unchanged).href)
  // The full check: the bundle named by the hash of the sources, if its packages are unchanged.
  // The sources' stat stamp before hashing tells, at the end, whether one was edited meanwhile.
  const sources = sourceFiles(src).sort()
  const stampBefore = statSignature(sources)
  const hash = createHash('sha256').update(`format ${BUNDLE_FORMAT}\n`)
  for (const file of sources) hash.update(`${path.relative(src, file)}\n`).update(fs.readFileSync(file))
  const name = `main-${hash.digest('hex').slice(0, 16)}`
  const bundle = path.join(cacheDir, `${name}.mjs`)
  let inputs = fs.existsSync(bundle) ? readInputs(bundle) : undefined
  if (!inputs || !dependenciesUnchanged(inputs)) {
    fs.mkdirSync(cacheDir, { recursive: true })
    inputs = await build(src, bundle)
    // Older bundles of this checkout are of no further use.
    for (const old of fs.readdirSync(cacheDir)) {
      if (old.startsWith('main-') && !old.startsWith(name) && !old.endsWith('.tmp')) {
        fs.rmSync(path.join(cacheDir, old), { force: true })
      }
    }
  }
  try {
    const files = statFiles(inputs)
    const signature = statSignature(files)
    // A source edited while this ran (between hashing, building and the stat above) would leave a
    // bundle of the old text that both checks take for current: trust this bundle only when no
    // source's stat moved since before the hash. Otherwise it loses its inputs file (what marks it
    // complete) and the next run builds again.
    if (statSignature(sourceFiles(src).sort()) !== stampBefore) {
      fs.rmSync(`${bundle}.inputs.json`, { force: true })
      throw new Error('sources changed during the start')
    }
    const bundled = { format: BUNDLE_FORMAT, src, bundle: path.basename(bundle), files, signature }
    write(current, JSON.stringify(bundled))
  } catch {
    // the next run does the full check again
  }
  // The source map is beside the bundle; NODE_OPTIONS=--enable-source-maps makes stack traces
  // name the TypeScript sources (it is off by default: it costs about 8 MB resident).
  return import(pathToFileURL(bundle).href)
}

let entry
try {
  entry = await bundledMain()
} catch (err) {
  process.stderr.write(`walletd: no bundle (${err.message}); running the sources through tsx, which starts slower\n`)
  const { register } = await import('tsx/esm/api')
  register()
  entry = await import('../src/main.ts')
}
process.exitCode = await entry.main(process.argv.slice(2))
