import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import { builtinModules } from 'node:module'
import path from 'node:path'
import { describe, it } from 'node:test'
import { repoRoot } from '../helpers/walletd-process.ts'

const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'))

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name)
    return e.isDirectory() ? sources(full) : e.name.endsWith('.ts') ? [full] : []
  })
}

/** What `npm pack` ships (the full install-and-start check is `npm run check-package`, run by .ci/run). */
describe('the npm package', () => {
  it('is open source under Apache-2.0, publishable, and carries the license text', () => {
    assert.equal(pkg.license, 'Apache-2.0')
    assert.equal(pkg.private, undefined)
    const license = fs.readFileSync(path.join(repoRoot, 'LICENSE'), 'utf8')
    assert.match(license, /^\s*Apache License\s+Version 2\.0, January 2004/)
    assert.match(license, /END OF TERMS AND CONDITIONS/)
    assert.match(fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8'), /Apache License 2\.0/)
  })

  it('runs without dev dependencies: every package src/ and bin/ import is a dependency', () => {
    const deps = new Set(Object.keys(pkg.dependencies))
    // bin/walletd.js bundles src/ with esbuild at run time, tsx is its fallback.
    assert.ok(deps.has('esbuild') && deps.has('tsx'))
    const builtins = new Set(builtinModules)
    const files = [...sources(path.join(repoRoot, 'src')), path.join(repoRoot, 'bin/walletd.js')]
    for (const file of files) {
      const text = fs.readFileSync(file, 'utf8')
      // Import statements start a line (printed code samples are indented); dynamic imports anywhere.
      const specs = [
        ...text.matchAll(/^(?:import|export|\})[^'\n]*from\s+'([^'.][^']*)'/gm),
        ...text.matchAll(/\bimport\('([^'.][^']*)'\)/g),
      ]
      for (const [, spec] of specs) {
        if (spec!.startsWith('node:') || builtins.has(spec!)) continue
        const name = spec!.startsWith('@') ? spec!.split('/').slice(0, 2).join('/') : spec!.split('/')[0]!
        if (name === 'type') continue
        assert.ok(deps.has(name), `${path.relative(repoRoot, file)} imports ${name}, not a dependency`)
      }
    }
  })

  it('packs the CLI, the sources, the seed schema and the license, and no tests', () => {
    const [packed] = JSON.parse(
      execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: repoRoot }).toString(),
    )
    const files = new Set((packed.files as { path: string }[]).map((f) => f.path))
    for (const needed of [
      'bin/walletd.js',
      'src/main.ts',
      'schemas/seed.schema.json',
      'LICENSE',
      'README.md',
    ]) {
      assert.ok(files.has(needed), `${needed} is packed`)
    }
    const stray = [...files].filter((f) => /^(test|bench|scripts|node_modules|walletd-data)\//.test(f))
    assert.deepEqual(stray, [])
  })
})
