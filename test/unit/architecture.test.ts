import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { describe, it } from 'node:test'
import ts from 'typescript'
import { repoRoot } from '../helpers/walletd-process.ts'

/**
 * The shape of src/ (src/README.md): domains are rooms whose imports point down to the shared
 * layers, and reach a sibling domain only through its index.ts, the service interface it documents.
 * Every import counts: type-only ones too (a type is part of what a domain offers or reaches into),
 * re-exports and dynamic `import()`.
 */

const src = path.join(repoRoot, 'src')

/**
 * Below the domains: these folders, and the files at the top of src/ but the composition root
 * (app.ts) and the command line (main.ts). They never import a domain: the app hands them what
 * they need.
 */
const lowerLayers = ['http', 'db', 'chains', 'custody', 'jobs', 'mail', 'net']
const aboveDomains = new Set(['app.ts', 'main.ts'])
const isBelowDomains = (top: string, file: string) =>
  lowerLayers.includes(top) || (!file.includes('/') && !aboveDomains.has(file))

/** Imports of a domain from below that stay, as `importer -> imported` (under src/), with the reason. */
const belowExceptions: ReadonlyMap<string, string> = new Map([
  // config.ts parses every setting at start, so a bad one stops walletd with exit code 2 before
  // anything runs; the format of these two belongs to their domain (leaf modules, no imports).
  ['config.ts -> domains/auth/oidc-config.ts', 'WALLETD_OIDC_PROVIDERS'],
  ['config.ts -> domains/policies/prices.ts', 'WALLETD_PRICES'],
])

/** Files allowed past the size limit: data tables, long by nature and read by lookup. */
const MAX_LINES = 400
const dataTables = new Set(['db/schema.ts', 'chains/networks.ts'])

interface Import {
  readonly file: string
  readonly line: number
  readonly specifier: string
  /** What it points at, relative to src/ ('' when outside src/, a package or a node: module). */
  readonly target: string
}

/** A path under src/, with `/` whatever the platform. */
const underSrc = (full: string) => path.relative(src, full).split(path.sep).join('/')

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name)
    return e.isDirectory() ? sourceFiles(full) : e.name.endsWith('.ts') ? [full] : []
  })
}

/** Every import, re-export and dynamic import of a file (the TypeScript scanner skips comments). */
function importsOf(full: string, text: string): Import[] {
  const file = underSrc(full)
  return ts.preProcessFile(text, true, true).importedFiles.map(({ fileName, pos }) => {
    const resolved = fileName.startsWith('.') ? underSrc(path.resolve(path.dirname(full), fileName)) : ''
    return {
      file,
      line: text.slice(0, pos).split('\n').length,
      specifier: fileName,
      target: resolved.startsWith('..') ? '' : resolved,
    }
  })
}

const lineCount = (text: string) => text.split('\n').length - (text.endsWith('\n') ? 1 : 0)

/** The rule breaks among `files` (path under src/ → text), each naming the file, line and import. */
function architectureViolations(files: ReadonlyMap<string, string>): string[] {
  const found: string[] = []
  for (const [file, text] of files) {
    const [top, domain] = file.split('/')
    if (!dataTables.has(file) && lineCount(text) > MAX_LINES) {
      found.push(
        `${file} has ${lineCount(text)} lines (at most ${MAX_LINES} outside the data tables): split it`,
      )
    }
    for (const imp of importsOf(path.join(src, file), text)) {
      const [targetTop, targetDomain, ...rest] = imp.target.split('/')
      if (targetTop !== 'domains' || !targetDomain) continue
      const where = `${imp.file}:${imp.line} imports '${imp.specifier}'`
      if (top === 'domains' && domain !== targetDomain && rest.join('/') !== 'index.ts') {
        found.push(`${where}: another domain is reached only through its index.ts`)
      }
      if (
        top !== undefined &&
        isBelowDomains(top, file) &&
        !belowExceptions.has(`${file} -> ${imp.target}`)
      ) {
        found.push(`${where}: src/${top} is below the domains and imports none of them`)
      }
    }
  }
  return found
}

function readSources(): Map<string, string> {
  return new Map(sourceFiles(src).map((full) => [underSrc(full), fs.readFileSync(full, 'utf8')]))
}

describe('the shape of src/', () => {
  const files = readSources()

  it('reads every source file and finds the imports between domains', () => {
    const imports = [...files].flatMap(([file, text]) => importsOf(path.join(src, file), text))
    assert.ok(files.size > 200, `only ${files.size} files read`)
    // The composition root reaches every domain: the scan sees those imports (else it sees none).
    const fromApp = imports.filter((i) => i.file === 'app.ts' && i.target.startsWith('domains/'))
    assert.ok(fromApp.length >= 8, `app.ts imports ${fromApp.length} domain files`)
  })

  it('domains import each other only through index.ts, lower layers import no domain, files stay short', () => {
    assert.deepEqual(architectureViolations(files), [])
  })

  it('lists as exceptions only imports that exist', () => {
    const imports = new Set(
      [...files].flatMap(([file, text]) =>
        importsOf(path.join(src, file), text).map((i) => `${file} -> ${i.target}`),
      ),
    )
    assert.deepEqual(
      [...belowExceptions.keys()].filter((k) => !imports.has(k)),
      [],
    )
  })

  it('each domain has its index.ts', () => {
    const domains = fs
      .readdirSync(path.join(src, 'domains'), { withFileTypes: true })
      .filter((e) => e.isDirectory())
    const missing = domains.filter((d) => !files.has(`domains/${d.name}/index.ts`)).map((d) => d.name)
    assert.deepEqual(missing, [])
  })

  it('names the file and import of each kind of break', () => {
    const broken = new Map([
      ['domains/webhooks/x.ts', "import type { KeyRecord } from '../wallets/keys/repository.ts'\n"],
      ['domains/webhooks/y.ts', "export { toWalletView } from '../wallets/index.ts'\n"],
      [
        'domains/wallets/keys/z.ts',
        "import { x } from '../views.ts'\nconst m = await import('../../policies/prices.ts')\n",
      ],
      ['http/w.ts', "\nimport { OPERATOR_GUARDED } from '../domains/emulator/index.ts'\n"],
      [
        'clock.ts',
        "import type { Config } from './config.ts'\nimport type { X } from './domains/plans/index.ts'\n",
      ],
      ['app.ts', "import { createPlansModule } from './domains/plans/index.ts'\n"],
      ['custody/long.ts', 'const a = 1\n'.repeat(MAX_LINES + 1)],
      ['db/schema.ts', 'const a = 1\n'.repeat(MAX_LINES + 1)],
    ])
    assert.deepEqual(architectureViolations(broken), [
      "domains/webhooks/x.ts:1 imports '../wallets/keys/repository.ts': another domain is reached only through its index.ts",
      "domains/wallets/keys/z.ts:2 imports '../../policies/prices.ts': another domain is reached only through its index.ts",
      "http/w.ts:2 imports '../domains/emulator/index.ts': src/http is below the domains and imports none of them",
      "clock.ts:2 imports './domains/plans/index.ts': src/clock.ts is below the domains and imports none of them",
      `custody/long.ts has ${MAX_LINES + 1} lines (at most ${MAX_LINES} outside the data tables): split it`,
    ])
  })
})
