#!/usr/bin/env node
// walletd's command line. The sources are TypeScript and there is no build step to remember:
// the first run after a change bundles src/ with esbuild (about 50 ms) into
// node_modules/.cache/walletd/, named by a hash of the sources, and every later run loads that
// bundle as plain JavaScript. Running the sources through tsx's loader hooks instead tripled the
// time to the first answered request (see BENCHMARKS.md), because every module, dependencies
// included, passes through the hooks. If the bundle cannot be built or written, tsx runs the
// sources directly.
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const BUNDLE_FORMAT = 1 // bump when the build options below change

function sourceFiles(dir) {
  const out = []
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) out.push(...sourceFiles(full))
    else if (/\.(ts|json)$/.test(entry.name)) out.push(full)
  }
  return out
}

async function bundledMain() {
  const src = path.join(root, 'src')
  const hash = createHash('sha256').update(`format ${BUNDLE_FORMAT}\n`)
  for (const file of sourceFiles(src).sort()) hash.update(`${path.relative(src, file)}\n`).update(fs.readFileSync(file))
  const cacheDir = path.join(root, 'node_modules', '.cache', 'walletd')
  const bundle = path.join(cacheDir, `main-${hash.digest('hex').slice(0, 16)}.mjs`)
  if (!fs.existsSync(bundle)) {
    const { build } = await import('esbuild')
    fs.mkdirSync(cacheDir, { recursive: true })
    const { outputFiles } = await build({
      entryPoints: [path.join(src, 'main.ts')],
      outfile: bundle,
      bundle: true,
      packages: 'external',
      platform: 'node',
      format: 'esm',
      target: 'node20',
      sourcemap: 'external',
      write: false,
      logLevel: 'silent',
    })
    const code = outputFiles.find((f) => f.path.endsWith('.mjs'))
    const map = outputFiles.find((f) => f.path.endsWith('.map'))
    fs.writeFileSync(`${bundle}.map`, map.contents)
    // Written under a temporary name and renamed, so a process starting at the same time never
    // loads a half-written file.
    const temporary = `${bundle}.${process.pid}.tmp`
    fs.writeFileSync(temporary, `${code.text}//# sourceMappingURL=${path.basename(bundle)}.map\n`)
    fs.renameSync(temporary, bundle)
    // Older bundles of this checkout are of no further use.
    for (const old of fs.readdirSync(cacheDir)) {
      if (old.startsWith('main-') && !old.startsWith(path.basename(bundle)) && !old.endsWith('.tmp')) {
        fs.rmSync(path.join(cacheDir, old), { force: true })
      }
    }
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
